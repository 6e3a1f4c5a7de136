//! The "Two-step sign-in" card of `/me`: set it up (QR code, the secret as text, a
//! code to confirm), the recovery codes shown once, new recovery codes, turning it off.

use leptos::prelude::*;

use super::{BeginTwoStep, ConfirmTwoStep, MyAccount, NewRecoveryCodes, TurnOffTwoStep, TwoStepSetup};
use crate::{
    error::AppError,
    ui::{Fields, FormField, PostForm},
};

/// The actions of the card, created by the page so its account refetches after each.
#[derive(Clone, Copy)]
pub struct TwoStepActions {
    pub begin: ServerAction<BeginTwoStep>,
    pub confirm: ServerAction<ConfirmTwoStep>,
    pub turn_off: ServerAction<TurnOffTwoStep>,
    pub new_codes: ServerAction<NewRecoveryCodes>,
}

impl TwoStepActions {
    pub fn new() -> Self {
        TwoStepActions {
            begin: ServerAction::new(),
            confirm: ServerAction::new(),
            turn_off: ServerAction::new(),
            new_codes: ServerAction::new(),
        }
    }

    /// Changes after which the account (and the frame's user) must be read again.
    pub fn version(&self) -> (usize, usize, usize) {
        (self.confirm.version().get(), self.turn_off.version().get(), self.new_codes.version().get())
    }
}

/// What the card says about the current state (inside the account's Transition).
#[component]
pub fn TwoStepStatusLine(me: MyAccount, actions: TwoStepActions) -> impl IntoView {
    let status = me.two_step;
    let begin_error = move || actions.begin.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <p data-test="two-step-status">
            {if status.on {
                view! { <span class="badge badge-ok">"On"</span> }.into_any()
            } else {
                view! { <span class="badge badge-muted">"Off"</span> }.into_any()
            }}
            " "
            {match (status.on, status.required) {
                (true, _) => format!(
                    "You sign in with your password and a code from your app. {} of your recovery codes {} unused.",
                    status.recovery_codes_left,
                    if status.recovery_codes_left == 1 { "is" } else { "are" },
                ),
                (false, true) => "Your role requires it: set it up now to use the rest of Voxdesk.".to_string(),
                (false, false) => "Sign-in asks for your password only.".to_string(),
            }}
        </p>
        {(!status.on).then(|| view! {
            <PostForm action=actions.begin read=|_: &Fields| BeginTwoStep {}>
                <button type="submit" class="button" disabled=actions.begin.pending()>"Set up two-step sign-in"</button>
            </PostForm>
            <Show when=move || begin_error().is_some()>
                <p class="alert alert-error" role="alert">{begin_error}</p>
            </Show>
        })}
        {status.on.then(|| view! { <OnForms actions /> })}
    }
}

/// Turning it off and new recovery codes, for someone who has it on.
#[component]
fn OnForms(actions: TwoStepActions) -> impl IntoView {
    let off_error = move || actions.turn_off.value().get().and_then(Result::err);
    let codes_error = move || actions.new_codes.value().get().and_then(Result::err);
    view! {
        <div class="grid-2">
            <PostForm action=actions.new_codes read=|f: &Fields| NewRecoveryCodes { code: f.text("code") } class="form" novalidate=true>
                <h3>"New recovery codes"</h3>
                <p class="small muted">"The old ones stop working. Prove it is you with a code from your app."</p>
                <FormField name="code" id="field-renew-code" label="Code from your app" autocomplete="one-time-code" error=move || codes_error()?.for_field("code") />
                <GeneralError error=Signal::derive(codes_error) />
                <button type="submit" class="button button-secondary" disabled=actions.new_codes.pending()>"Make new recovery codes"</button>
            </PostForm>
            <PostForm action=actions.turn_off read=turn_off_fields class="form" novalidate=true>
                <h3>"Turn off"</h3>
                <p class="small muted">"Signing in will ask for your password only. If your role requires two-step sign-in, you will have to set it up again at once."</p>
                <FormField name="current_password" id="field-off-current_password" label="Current password" input_type="password" autocomplete="current-password"
                    error=move || off_error()?.for_field("current_password") />
                <FormField name="code" id="field-off-code" label="Code from your app, or a recovery code" autocomplete="one-time-code"
                    error=move || off_error()?.for_field("code") />
                <GeneralError error=Signal::derive(off_error) />
                <button type="submit" class="button button-danger" disabled=actions.turn_off.pending()>"Turn off two-step sign-in"</button>
            </PostForm>
        </div>
    }
}

#[component]
fn GeneralError(error: Signal<Option<AppError>>) -> impl IntoView {
    let general = move || error.get()?.general();
    view! {
        <Show when=move || general().is_some()>
            <p class="alert alert-error" role="alert">{general}</p>
        </Show>
    }
}

/// The setup (QR code and confirm form) and the recovery codes: outside the account's
/// Transition, so reading the account again does not wipe what is shown once.
#[component]
pub fn TwoStepShownOnce(actions: TwoStepActions) -> impl IntoView {
    // What is on show follows the last action that succeeded: a new setup hides old
    // codes, turning it on swaps the setup for the codes, turning it off clears both.
    let setup = RwSignal::new(None::<TwoStepSetup>);
    let codes = RwSignal::new(None::<Vec<String>>);
    Effect::new(move |_| {
        if let Some(Ok(shown)) = actions.begin.value().get() {
            setup.set(Some(shown));
            codes.set(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(new)) = actions.confirm.value().get() {
            setup.set(None);
            codes.set(Some(new));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(new)) = actions.new_codes.value().get() {
            codes.set(Some(new));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = actions.turn_off.value().get() {
            setup.set(None);
            codes.set(None);
        }
    });
    // The frame's user is not refetched here: that re-renders the guarded page and would
    // wipe the codes shown once. The next navigation reads it again anyway.
    let confirm_error = move || actions.confirm.value().get().and_then(Result::err);
    view! {
        {move || setup.get().map(|setup| view! {
            <div class="two-step-setup" data-test="two-step-setup">
                <ol class="steps">
                    <li>"Open your authenticator app (Google Authenticator, 1Password, Authy, FreeOTP…) and add an account."</li>
                    <li>"Scan this QR code, or type the key below."</li>
                    <li>"Enter the 6-digit code the app shows for Voxdesk."</li>
                </ol>
                <div class="qr" role="img" aria-label="QR code holding your two-step sign-in key" inner_html=setup.qr_svg></div>
                <p>"Key: " <code data-test="two-step-secret">{setup.secret_text}</code></p>
                <PostForm action=actions.confirm read=|f: &Fields| ConfirmTwoStep { code: f.text("code") } class="form" novalidate=true>
                    <FormField name="code" id="field-confirm-code" label="Code from your app" autocomplete="one-time-code" error=move || confirm_error()?.for_field("code") />
                    <GeneralError error=Signal::derive(confirm_error) />
                    <button type="submit" class="button" disabled=actions.confirm.pending()>"Turn on two-step sign-in"</button>
                </PostForm>
            </div>
        })}
        {move || codes.get().map(|codes| view! {
            <div class="alert alert-success" role="status" data-test="recovery-codes">
                <p class="strong">"Save these recovery codes now: they are shown only this once."</p>
                <p class="small">"Each one signs you in once if you lose your phone. Keep them somewhere safe, away from this computer."</p>
                <ol class="recovery-codes">
                    {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                </ol>
            </div>
        })}
    }
}

fn turn_off_fields(fields: &Fields) -> TurnOffTwoStep {
    TurnOffTwoStep { current_password: fields.text("current_password"), code: fields.text("code") }
}
