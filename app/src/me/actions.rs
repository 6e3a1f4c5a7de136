//! Your own account's actions: open to every signed-in user, on themselves only.

use super::{BeginTwoStep, ChangeMyPassword, ConfirmTwoStep, GetMyAccount, NewRecoveryCodes, SignOutElsewhere, TurnOffTwoStep};
use crate::{
    access::Permission,
    action::{Audited, Endpoint},
};

pub const CHANGE_PASSWORD: Audited = Audited::new("user.change_own_password");
pub const SIGN_OUT_ELSEWHERE: Audited = Audited::new("user.sign_out_elsewhere");
pub const TWO_STEP_BEGIN: Audited = Audited::new("user.two_step_begin");
pub const TWO_STEP_ON: Audited = Audited::new("user.two_step_on");
pub const TWO_STEP_OFF: Audited = Audited::new("user.two_step_off");
pub const RECOVERY_CODES: Audited = Audited::new("user.two_step_recovery_codes");

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::read::<GetMyAccount>(Permission::OwnAccount),
    Endpoint::write::<ChangeMyPassword>(Permission::OwnAccount, &CHANGE_PASSWORD),
    Endpoint::write::<SignOutElsewhere>(Permission::OwnAccount, &SIGN_OUT_ELSEWHERE),
    Endpoint::write::<BeginTwoStep>(Permission::OwnAccount, &TWO_STEP_BEGIN),
    Endpoint::write::<ConfirmTwoStep>(Permission::OwnAccount, &TWO_STEP_ON),
    Endpoint::write::<TurnOffTwoStep>(Permission::OwnAccount, &TWO_STEP_OFF),
    Endpoint::write::<NewRecoveryCodes>(Permission::OwnAccount, &RECOVERY_CODES),
];
