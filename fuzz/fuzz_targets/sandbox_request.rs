//! Any bytes as one call to the sandbox: an answer with a result or a coded error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sandbox::fuzzing::check_one_call(data));
