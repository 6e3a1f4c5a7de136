//! Any bytes as an answer from Voximplant, decoded as every method's response.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| voximplant::fuzzing::decode_as_every_response(data));
