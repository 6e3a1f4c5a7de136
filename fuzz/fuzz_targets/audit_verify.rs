//! Any bytes (mostly mangled real exports) given to `voxdesk audit verify`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| app::audit::ssr::fuzzing::check_verify_file(data));
