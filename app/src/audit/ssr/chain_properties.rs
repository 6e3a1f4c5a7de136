//! Properties of the chain's encoding over generated events: a chain written as JSON
//! Lines checks out; changing any field, any stored hash or removing an event in the
//! middle is found at that line; an absent field never hashes like an empty one.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::chain::{verify_file, FileCheck, Record, Row, GENESIS};

fn optional_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![Just(String::new()), any::<String>(), "[a-z.]{1,12}"])
}

fn record() -> impl Strategy<Value = Record> {
    let who = (
        proptest::option::of(any::<u128>().prop_map(Uuid::from_u128)),
        optional_text(),
        optional_text(),
        optional_text(),
        optional_text(),
        optional_text(),
        optional_text(),
    );
    let what = (
        proptest::option::of(any::<u128>().prop_map(Uuid::from_u128)),
        optional_text(),
        "[a-z]{1,8}\\.[a-z_]{1,12}",
        optional_text(),
        any::<String>(),
        any::<String>(),
        optional_text(),
        optional_text(),
        optional_text(),
        proptest::option::of(0.0f64..100_000.0),
    );
    (946_684_800_000_000i64..4_102_444_800_000_000, any::<bool>(), who, what).prop_map(|(micros, is_intent, who, what)| {
        let (actor_id, actor_name, actor_role, client_ip, user_agent, request_id, session_ref) = who;
        let (connection_id, connection_name, action, method, targets, params, changes, outcome, outcome_detail, latency_ms) = what;
        Record {
            seq: 0,
            occurred_at: DateTime::<Utc>::from_timestamp_micros(micros).unwrap(),
            kind: if is_intent { "intent" } else { "fact" }.into(),
            intent_seq: None,
            actor_id,
            actor_name,
            actor_role,
            client_ip,
            user_agent,
            request_id,
            session_ref,
            connection_id,
            connection_name,
            action,
            method,
            targets,
            params,
            changes,
            outcome,
            outcome_detail,
            latency_ms,
            prev_hash: Vec::new(),
        }
    })
}

/// Links `records` into a chain from the start of the log: seq 1, 2, …
fn chain(records: Vec<Record>) -> Vec<Row> {
    let mut previous = GENESIS.to_vec();
    records
        .into_iter()
        .enumerate()
        .map(|(index, mut record)| {
            record.seq = index as i64 + 1;
            record.prev_hash = previous.clone();
            let hash = record.hash();
            previous = hash.clone();
            Row { record, hash }
        })
        .collect()
}

fn jsonl(rows: &[Row]) -> String {
    rows.iter().map(|row| serde_json::to_string(row).unwrap() + "\n").collect()
}

/// Changes one field of `record` to something else (`choice` picks which).
fn tamper(record: &mut Record, choice: usize) {
    let flip = |value: &mut Option<String>| {
        *value = match value.take() {
            None => Some(String::new()),
            Some(text) if text.is_empty() => None,
            Some(text) => Some(text + "x"),
        }
    };
    match choice % 12 {
        0 => record.occurred_at += chrono::Duration::microseconds(1),
        1 => record.kind = if record.kind == "intent" { "fact".into() } else { "intent".into() },
        2 => flip(&mut record.actor_name),
        3 => flip(&mut record.actor_role),
        4 => flip(&mut record.client_ip),
        5 => flip(&mut record.session_ref),
        6 => flip(&mut record.connection_name),
        7 => record.action.push('x'),
        8 => record.targets.push(' '),
        9 => record.params.push(' '),
        10 => flip(&mut record.outcome_detail),
        _ => record.latency_ms = Some(record.latency_ms.map_or(0.0, |ms| ms + 1.0)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn a_written_chain_checks_out(records in proptest::collection::vec(record(), 1..8)) {
        let rows = chain(records);
        let check = verify_file(jsonl(&rows).as_bytes(), false);
        let expected_head = hex::encode(&rows.last().unwrap().hash);
        prop_assert!(
            matches!(&check, FileCheck::Intact { events, head_hash, gaps: 0, .. } if *events == rows.len() as u64 && *head_hash == expected_head),
            "{:?}", check
        );
    }

    #[test]
    fn a_changed_field_is_found_at_its_line(records in proptest::collection::vec(record(), 1..8), at in any::<prop::sample::Index>(), field in 0usize..12) {
        let mut rows = chain(records);
        let line = at.index(rows.len());
        tamper(&mut rows[line].record, field);
        let check = verify_file(jsonl(&rows).as_bytes(), false);
        prop_assert!(matches!(&check, FileCheck::Broken { line: found, .. } if *found == line as u64 + 1), "{:?}", check);
    }

    #[test]
    fn a_rehashed_change_breaks_the_next_link(records in proptest::collection::vec(record(), 2..8), at in any::<prop::sample::Index>(), field in 0usize..12) {
        // Whoever changes an event and recomputes its hash still breaks the link to it.
        let mut rows = chain(records);
        let line = at.index(rows.len() - 1);
        tamper(&mut rows[line].record, field);
        rows[line].hash = rows[line].record.hash();
        let check = verify_file(jsonl(&rows).as_bytes(), false);
        prop_assert!(matches!(&check, FileCheck::Broken { line: found, .. } if *found == line as u64 + 2), "{:?}", check);
    }

    #[test]
    fn a_removed_event_in_the_middle_is_found(records in proptest::collection::vec(record(), 3..8), at in any::<prop::sample::Index>()) {
        let mut rows = chain(records);
        let removed = 1 + at.index(rows.len() - 2);
        rows.remove(removed);
        let check = verify_file(jsonl(&rows).as_bytes(), false);
        prop_assert!(matches!(&check, FileCheck::Broken { line: found, .. } if *found == removed as u64 + 1), "{:?}", check);
    }

    #[test]
    fn absent_and_empty_hash_differently(record in record(), field in 2usize..7) {
        let mut absent = record.clone();
        let mut empty = record;
        let (a, e) = match field {
            2 => (&mut absent.actor_name, &mut empty.actor_name),
            3 => (&mut absent.actor_role, &mut empty.actor_role),
            4 => (&mut absent.client_ip, &mut empty.client_ip),
            5 => (&mut absent.session_ref, &mut empty.session_ref),
            _ => (&mut absent.connection_name, &mut empty.connection_name),
        };
        *a = None;
        *e = Some(String::new());
        prop_assert_ne!(absent.hash(), empty.hash());
    }
}

/// Replays the committed fuzzing corpus (`fuzz/corpus/audit_verify`: real exports and
/// what `make fuzz` mangled them into) through the same check the fuzzer runs.
#[test]
fn every_corpus_file_gets_a_verdict_that_fits_it() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/audit_verify");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("the corpus is committed") {
        let path = entry.unwrap().path();
        let file = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| super::chain::fuzzing::check_verify_file(&file));
        assert!(outcome.is_ok(), "{} gets a verdict that contradicts it", path.display());
        replayed += 1;
    }
    assert!(replayed >= 3, "only {replayed} files in {}", dir.display());
}
