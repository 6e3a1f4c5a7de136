//! Replays the committed fuzzing corpus (`fuzz/corpus/sandbox_request`, grown by
//! `make fuzz`) through the same check the fuzzer runs: each file becomes one call,
//! and each answer is HTTP 200 with a result or a coded error.

#[test]
fn every_corpus_call_gets_a_result_or_a_coded_error() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/sandbox_request");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("the corpus is committed") {
        let path = entry.unwrap().path();
        let call = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| sandbox::fuzzing::check_one_call(&call));
        assert!(outcome.is_ok(), "{} breaks the sandbox's answer rule", path.display());
        replayed += 1;
    }
    assert!(replayed >= 10, "only {replayed} calls in {}", dir.display());
}
