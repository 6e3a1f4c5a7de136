//! Replays the committed fuzzing corpus (`fuzz/corpus/voximplant_decode`, grown by
//! `make fuzz`) through the same check the fuzzer runs, so whatever once crashed the
//! decoding is tried again by every `cargo test`, on stable Rust.
#![cfg(feature = "client")]

#[test]
fn every_corpus_answer_decodes_or_says_why() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/voximplant_decode");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("the corpus is committed") {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| voximplant::fuzzing::decode_as_every_response(&body));
        assert!(outcome.is_ok(), "{} makes the decoding panic", path.display());
        replayed += 1;
    }
    assert!(replayed >= 10, "only {replayed} answers in {}", dir.display());
}
