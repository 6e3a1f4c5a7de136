//! The People section of the admin page.

use leptos::prelude::*;

use super::{
    list_users, two_step_policy, CreateUser, ResetTwoStep, ResetUserPassword, RoleTwoStep, SetTwoStepRequired, SetUserActive, SetUserRole,
    UserView,
};
use crate::{
    access::Role,
    error::AppError,
    ui::{data, ConfirmDialog, Data, EmptyState, ErrorState, Fields, FormField, Loading, PostForm, TableWrap},
};

/// The People panel's actions and list, made by the page before its guard (see
/// `Guarded`).
#[derive(Clone, Copy)]
pub struct UsersPanelState {
    create: ServerAction<CreateUser>,
    set_role: ServerAction<SetUserRole>,
    set_active: ServerAction<SetUserActive>,
    reset: ServerAction<ResetUserPassword>,
    reset_two_step: ServerAction<ResetTwoStep>,
    users: Data<Vec<UserView>>,
}

impl UsersPanelState {
    pub fn new() -> Self {
        let create = ServerAction::<CreateUser>::new();
        let set_role = ServerAction::<SetUserRole>::new();
        let set_active = ServerAction::<SetUserActive>::new();
        let reset = ServerAction::<ResetUserPassword>::new();
        let reset_two_step = ServerAction::<ResetTwoStep>::new();
        // Any finished change reloads the list.
        let users = data(
            move || (create.version().get(), set_role.version().get(), set_active.version().get(), reset_two_step.version().get()),
            |_| list_users(),
        );
        UsersPanelState { create, set_role, set_active, reset, reset_two_step, users }
    }
}

#[component]
pub fn UsersPanel(state: UsersPanelState) -> impl IntoView {
    let UsersPanelState { create, set_role, set_active, reset, reset_two_step, users } = state;
    let row_error = move || {
        set_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| set_active.value().get().and_then(Result::err))
            .or_else(|| reset.value().get().and_then(Result::err))
            .or_else(|| reset_two_step.value().get().and_then(Result::err))
    };
    view! {
        <section class="card section" aria-labelledby="people-title">
            <div class="section-header">
                <h2 id="people-title">"People"</h2>
                <p class="muted">"Who can sign in, and what their role lets them do."</p>
            </div>
            <Show when=move || row_error().is_some()>
                <p class="alert alert-error" role="alert">{move || row_error().map(|e| e.to_string())}</p>
            </Show>
            <Show when=move || matches!(reset.value().get(), Some(Ok(_)))>
                <p class="alert alert-success" role="status" data-test="new-password">
                    "New password (shown once, hand it over securely): "
                    <code>{move || reset.value().get().and_then(Result::ok)}</code>
                </p>
            </Show>
            <Transition fallback=|| view! { <Loading what="Loading people…" /> }>
                {crate::ui::once_loaded(move || async move {
                    match users.await {
                        Ok(list) if list.is_empty() => view! { <EmptyState title="No one yet." /> }.into_any(),
                        Ok(list) => view! { <UsersTable list set_role set_active reset reset_two_step /> }.into_any(),
                        Err(error) => view! { <ErrorState error retry=move || users.refetch() /> }.into_any(),
                    }
                })}
            </Transition>
            <AddUserForm create />
        </section>
    }
}

#[component]
fn UsersTable(
    list: Vec<UserView>,
    set_role: ServerAction<SetUserRole>,
    set_active: ServerAction<SetUserActive>,
    reset: ServerAction<ResetUserPassword>,
    reset_two_step: ServerAction<ResetTwoStep>,
) -> impl IntoView {
    view! {
        <TableWrap caption="People with access to Voxdesk">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|user| view! { <UserRow user set_role set_active reset reset_two_step /> })
                        .collect_view()}
                </tbody>
        </TableWrap>
    }
}

#[component]
fn UserRow(
    user: UserView,
    set_role: ServerAction<SetUserRole>,
    set_active: ServerAction<SetUserActive>,
    reset: ServerAction<ResetUserPassword>,
    reset_two_step: ServerAction<ResetTwoStep>,
) -> impl IntoView {
    let id = user.id.clone();
    let two_step = user.two_step;
    let role_id = format!("role-{}", user.username);
    let active = user.active;
    let name = user.display_name.clone();
    view! {
        <tr data-test=format!("user-{}", user.username)>
            <td>
                <span class="strong">{user.display_name.clone()}</span>
                <span class="muted small">" @"{user.username.clone()}</span>
            </td>
            <td>{user.email.clone()}</td>
            <td>
                <PostForm action=set_role read=role_fields class="inline-form">
                    <input type="hidden" name="id" value=user.id.clone() />
                    <label class="visually-hidden" for=role_id.clone()>{format!("Role of {}", user.display_name)}</label>
                    <select id=role_id name="role">
                        {Role::ALL
                            .into_iter()
                            .map(|role| view! { <option value=role.as_str() selected=role == user.role>{role.label()}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="button button-small button-secondary">"Save"</button>
                </PostForm>
            </td>
            <td>
                {if active {
                    view! { <span class="badge badge-ok">"Active"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-muted">"Disabled"</span> }.into_any()
                }}
                // Only when on: a column of "off" for most people would say little.
                {two_step.then(|| view! { " " <span class="badge badge-ok" data-test="two-step-on">"Two-step on"</span> })}
            </td>
            <td class="actions">
                {two_step.then(|| {
                    let id = id.clone();
                    view! {
                        <ConfirmDialog
                            id=format!("reset-two-step-{}", user.username)
                            open_label="Reset two-step"
                            title=format!("Turn off {name}'s two-step sign-in?")
                            message=format!("For a lost phone: {name}'s authenticator app and recovery codes stop working and their sessions end. They sign in with their password, and set up two-step sign-in again if their role requires it.")
                            confirm_label="Reset two-step sign-in"
                            danger=true
                            on_confirm=move |_| { reset_two_step.dispatch(ResetTwoStep { id: id.clone() }); }
                        />
                    }
                })}
                <ConfirmDialog
                    id=format!("reset-{}", user.username)
                    open_label="Reset password"
                    title=format!("Give {name} a new password?")
                    message=format!("Voxdesk generates a new password for {name} and shows it to you once. Their current password stops working and their sessions end.")
                    confirm_label="Reset password"
                    on_confirm={
                        let id = id.clone();
                        move |_| { reset.dispatch(ResetUserPassword { id: id.clone() }); }
                    }
                />
                <ConfirmDialog
                    id=format!("active-{}", user.username)
                    open_label=if active { "Disable" } else { "Enable" }
                    title=if active { format!("Disable {name}?") } else { format!("Enable {name} again?") }
                    message=if active {
                        format!("{name} is signed out at once and cannot sign in until an admin enables them again.")
                    } else {
                        format!("{name} can sign in again with their current password, with the role shown here.")
                    }
                    confirm_label=if active { "Disable" } else { "Enable" }
                    danger=active
                    on_confirm=move |_| { set_active.dispatch(SetUserActive { id: id.clone(), active: !active }); }
                />
            </td>
        </tr>
    }
}

#[component]
fn AddUserForm(create: ServerAction<CreateUser>) -> impl IntoView {
    let error = move || create.value().get().and_then(Result::err);
    let field_error = move |field: &'static str| move || error().and_then(|e| e.for_field(field));
    let general_error = move || error().filter(|e| !matches!(e, AppError::Invalid { .. })).map(|e| e.to_string());
    let created = move || create.value().get().and_then(Result::ok);
    view! {
        <details class="add-form">
            <summary class="button button-secondary">"Add a person"</summary>
            <PostForm action=create read=new_user_fields class="form form-grid" novalidate=true>
                <FormField name="username" label="Username" error=field_error("username") />
                <FormField name="display_name" label="Name" error=field_error("display_name") />
                <FormField name="email" label="Email" input_type="email" error=field_error("email") />
                <div class="field">
                    <label for="new-user-role">"Role"</label>
                    <select id="new-user-role" name="role">
                        {Role::ALL
                            .into_iter()
                            .map(|role| view! { <option value=role.as_str() selected=role == Role::Support>{role.label()}" — "{role.description()}</option> })
                            .collect_view()}
                    </select>
                    <p class="field-error" role="alert">{field_error("role")}</p>
                </div>
                <FormField
                    name="password"
                    label="Password (leave empty to generate one)"
                    input_type="password"
                    autocomplete="new-password"
                    error=field_error("password")
                />
                <Show when=move || general_error().is_some()>
                    <p class="alert alert-error" role="alert">{general_error}</p>
                </Show>
                <div class="form-actions">
                    <button type="submit" class="button" disabled=create.pending()>"Add person"</button>
                </div>
            </PostForm>
        </details>
        {move || created().map(|created| view! {
            <p class="alert alert-success" role="status" data-test="created-user">
                {format!("{} can now sign in as {}.", created.user.display_name, created.user.username)}
                {created.generated_password.map(|password| view! {
                    " Their password (shown once): " <code data-test="generated-password">{password}</code>
                })}
            </p>
        })}
    }
}

/// Which roles must sign in with a code from an app too.
/// The policy panel's action and read, made by the page before its guard.
#[derive(Clone, Copy)]
pub struct TwoStepPolicyState {
    set: ServerAction<SetTwoStepRequired>,
    policy: Data<Vec<RoleTwoStep>>,
}

impl TwoStepPolicyState {
    pub fn new() -> Self {
        let set = ServerAction::<SetTwoStepRequired>::new();
        TwoStepPolicyState { set, policy: data(move || set.version().get(), |_| two_step_policy()) }
    }
}

#[component]
pub fn TwoStepPolicyPanel(state: TwoStepPolicyState) -> impl IntoView {
    let TwoStepPolicyState { set, policy } = state;
    let error = move || set.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <section class="card section" aria-labelledby="two-step-policy-title">
            <div class="section-header">
                <h2 id="two-step-policy-title">"Two-step sign-in"</h2>
                <p class="muted">"Roles that must sign in with a code from an app as well as their password. Someone without it can only open their own account page, to set it up."</p>
            </div>
            <Show when=move || error().is_some()>
                <p class="alert alert-error" role="alert">{error}</p>
            </Show>
            <Transition fallback=|| view! { <Loading what="Loading…" /> }>
                {crate::ui::once_loaded(move || async move {
                    match policy.await {
                        Ok(roles) => view! {
                            <TableWrap caption="Two-step sign-in by role">
                                <thead>
                                    <tr>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Two-step sign-in"</th>
                                        <th scope="col"><span class="visually-hidden">"Change"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {roles.into_iter().map(|entry| view! {
                                        <tr data-test=format!("two-step-role-{}", entry.role.as_str())>
                                            <td>{entry.role.label()}</td>
                                            <td>{if entry.required {
                                                view! { <span class="badge badge-ok">"Required"</span> }.into_any()
                                            } else {
                                                view! { <span class="badge badge-muted">"Optional"</span> }.into_any()
                                            }}</td>
                                            <td>
                                                <PostForm action=set read=two_step_rule_fields class="inline-form">
                                                    <input type="hidden" name="role" value=entry.role.as_str() />
                                                    <input type="hidden" name="required" value=(!entry.required).to_string() />
                                                    <button type="submit" class="button button-small button-secondary">
                                                        {if entry.required { "Make optional" } else { "Require" }}
                                                    </button>
                                                </PostForm>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </TableWrap>
                        }.into_any(),
                        Err(error) => view! { <ErrorState error retry=move || policy.refetch() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn role_fields(fields: &Fields) -> SetUserRole {
    SetUserRole { id: fields.text("id"), role: fields.text("role") }
}

fn new_user_fields(fields: &Fields) -> CreateUser {
    CreateUser {
        username: fields.text("username"),
        email: fields.text("email"),
        display_name: fields.text("display_name"),
        role: fields.text("role"),
        password: Some(fields.text("password")),
    }
}

fn two_step_rule_fields(fields: &Fields) -> SetTwoStepRequired {
    SetTwoStepRequired { role: fields.text("role"), required: fields.text("required") == "true" }
}
