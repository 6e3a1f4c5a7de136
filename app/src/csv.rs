//! CSV cells for the downloads (audit log, child accounts): quoted when needed, and
//! spreadsheet formulas defused (a cell starting with `=`, `+`, `-` or `@` is
//! prefixed with `'`, so a name like `=HYPERLINK(…)` stays text).

/// One cell.
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with('\'') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One line: the cells, comma-separated, ending in a newline.
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    cells.iter().map(|cell| field(cell.as_ref())).collect::<Vec<_>>().join(",") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for risky in ["+1", "-1+2", "@SUM(A1)"] {
            assert!(field(risky).starts_with("\"'"), "{risky}");
        }
        assert_eq!(line(&["1", "a,b", ""]), "1,\"a,b\",\n");
    }
}
