//! What `make fuzz` runs on the response decoding, and what `cargo test` replays over
//! the committed corpus (`fuzz/corpus/voximplant_decode`): one answer body, decoded as
//! every method's response type. Any outcome but a panic is fine; an error must be one
//! a caller can show ([`Error::Api`] or [`Error::Malformed`]).

use crate::{
    client::{decode, Error},
    methods::*,
};

/// Decodes `body` as each method's response; panics on anything but a decoded value,
/// an API error or a malformed-answer error.
pub fn decode_as_every_response(body: &[u8]) {
    fn check<M: Method>(body: &[u8]) {
        match decode::<M::Response>(body) {
            Ok(_) | Err(Error::Api { .. }) | Err(Error::Malformed(_)) => {}
            Err(other) => panic!("{}: decoding gave {other:?}", M::NAME),
        }
    }
    check::<AddAccount>(body);
    check::<ChangeAccountPlan>(body);
    check::<ChargeAccount>(body);
    check::<CloneAccount>(body);
    check::<GetAccountDocuments>(body);
    check::<GetAccountInfo>(body);
    check::<GetAccountPlans>(body);
    check::<GetAvailablePlans>(body);
    check::<GetChildrenAccounts>(body);
    check::<GetChildrenListings>(body);
    check::<GetCurrencyRate>(body);
    check::<GetMoneyAmountToCharge>(body);
    check::<GetResourcePrice>(body);
    check::<GetSubscriptionPrice>(body);
    check::<SetAccountInfo>(body); // SetChildAccountInfo answers the same `Done`
}
