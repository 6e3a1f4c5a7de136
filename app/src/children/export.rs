//! The filtered child list as CSV: the columns of the list, every matching child,
//! fetched from Voximplant page by page while the download streams (never one
//! giant request, never the whole list in memory). The export is on record first,
//! as a read of that many accounts; one that cannot be recorded is not given.

use futures::{stream, Stream, StreamExt};
use serde_json::json;

use super::{
    actions,
    model::{amount_text, ChildRow},
    query::ChildQuery,
    ssr::{child_row, ChildReader},
};
use crate::{
    audit::{
        ssr::{append, AuditContext, NewEvent},
        Outcome,
    },
    connections::ssr::parse_id,
    error::AppError,
};

/// Children per GetChildrenAccounts call (Voximplant allows up to 1,000).
pub const PAGE: u64 = 500;
pub const COLUMNS: [&str; 7] = ["id", "name", "email", "status", "balance", "currency", "created"];

fn row(child: ChildRow) -> String {
    let status = child.status().label().to_string();
    crate::csv::line(&[
        child.account_id.to_string(),
        child.account_name,
        child.account_email,
        status,
        child.balance.map(amount_text).unwrap_or_default(),
        child.currency.unwrap_or_default(),
        child.created.unwrap_or_default(),
    ])
}

impl ChildReader {
    /// How many children match, and the CSV lines (header first). The first page is
    /// read before anything is promised, so a failing Voximplant is an error page,
    /// not a broken download.
    pub async fn export(
        &self,
        context: AuditContext,
        query: ChildQuery,
    ) -> Result<(u64, impl Stream<Item = Result<String, std::io::Error>> + Send + 'static), AppError> {
        let mut request = query.every_match().request()?;
        request.count = Some(PAGE);
        request.offset = Some(0);
        let (connection, client) = self.access().voximplant().await?;
        let first = client.get_children_listings(request.clone()).await?;
        let total = first.total_count;

        let filter = query.every_match().to_query();
        let context = context.with_connection(parse_id(&connection.id)?, &connection.name);
        let event = NewEvent::fact(
            actions::EXPORT,
            json!([]),
            json!({ "format": "csv", "filter": filter, "accounts": total }),
            Outcome::Ok,
        );
        append(self.access().db(), &context, event).await?;

        let header = stream::iter([Ok(crate::csv::line(&COLUMNS))]);
        let first_rows: String = first.result.into_iter().map(|listing| row(child_row(listing))).collect();
        let fetched = PAGE.min(total);
        let rest = stream::unfold(fetched, move |offset| {
            let (client, mut request) = (client.clone(), request.clone());
            async move {
                if offset >= total {
                    return None;
                }
                request.offset = Some(offset);
                match client.get_children_listings(request).await {
                    // Fewer children than promised (some were removed meanwhile): done.
                    Ok(page) if page.result.is_empty() => None,
                    Ok(page) => {
                        let lines: String = page.result.into_iter().map(|listing| row(child_row(listing))).collect();
                        Some((Ok(lines), offset + PAGE))
                    }
                    Err(error) => {
                        tracing::warn!(%error, offset, "child export cut short");
                        // Ends the download as failed rather than silently short.
                        Some((Err(std::io::Error::other("Voximplant did not answer; the export is incomplete")), total))
                    }
                }
            }
        });
        Ok((total, header.chain(stream::iter([Ok(first_rows)])).chain(rest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_has_the_lists_columns_and_defuses_formulas() {
        let child = ChildRow {
            account_id: 7,
            account_name: "acme".into(),
            account_email: "=cmd@evil.example".into(),
            created: None,
            active: true,
            frozen: false,
            balance: Some("12.50".parse().unwrap()),
            currency: Some("USD".into()),
        };
        assert_eq!(row(child), "7,acme,\"'=cmd@evil.example\",Active,12.50,USD,\n");
    }
}
