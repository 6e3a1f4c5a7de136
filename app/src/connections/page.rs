//! The connections section of the admin page, and the connection picker every
//! signed-in user has in the navigation.

use leptos::{html, prelude::*};

use super::{
    list_connections, AddConnection, CheckConnection, Connections, ConnectionView, RemoveConnection,
    RenameConnection, RotateConnection, SelectConnection,
};
use crate::{
    error::AppError,
    frame::use_auth,
    ui::{data, use_toasts, ConfirmDialog, Data, EmptyState, ErrorState, Fields, FormField, Loading, PostForm, TableWrap},
};

const DEFAULT_BASE_URL: &str = "https://api.voximplant.com/platform_api/";

/// Which Voximplant parent account the pages work on.
#[component]
pub fn ConnectionPicker(connections: Connections, is_admin: bool) -> impl IntoView {
    let select = use_auth().select_connection;
    if connections.list.is_empty() {
        return if is_admin {
            view! { <div class="connection-picker"><a class="picker-empty" href="/admin#connections">"Connect a parent account"</a></div> }.into_any()
        } else {
            view! { <div class="connection-picker"><span class="picker-empty">"No parent account connected"</span></div> }.into_any()
        };
    }
    let selected = connections.selected.clone().unwrap_or_default();
    view! {
        <div class="connection-picker">
            <label for="connection-picker">"Parent account"</label>
            <select
                id="connection-picker"
                data-test="connection-picker"
                on:change=move |event| {
                    select.dispatch(SelectConnection { id: event_target_value(&event) });
                }
            >
                {connections
                    .list
                    .into_iter()
                    .map(|conn| {
                        let chosen = conn.id == selected;
                        view! { <option value=conn.id selected=chosen>{conn.name}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
    .into_any()
}

/// The connections panel's actions and list, made by the page before its guard (see
/// `Guarded`).
#[derive(Clone, Copy)]
pub struct ConnectionsPanelState {
    add: ServerAction<AddConnection>,
    rename: ServerAction<RenameConnection>,
    rotate: ServerAction<RotateConnection>,
    remove: ServerAction<RemoveConnection>,
    connections: Data<Connections>,
}

impl ConnectionsPanelState {
    pub fn new() -> Self {
        let add = ServerAction::<AddConnection>::new();
        let rename = ServerAction::<RenameConnection>::new();
        let rotate = ServerAction::<RotateConnection>::new();
        let remove = ServerAction::<RemoveConnection>::new();
        let connections = data(
            move || (add.version().get(), rename.version().get(), rotate.version().get(), remove.version().get()),
            |_| list_connections(),
        );
        ConnectionsPanelState { add, rename, rotate, remove, connections }
    }
}

#[component]
pub fn ConnectionsPanel(state: ConnectionsPanelState) -> impl IntoView {
    let ConnectionsPanelState { add, rename, rotate, remove, connections } = state;
    let row_error = move || {
        rename
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| rotate.value().get().and_then(Result::err))
            .or_else(|| remove.value().get().and_then(Result::err))
    };
    view! {
        <section class="card section" id="connections" aria-labelledby="connections-title">
            <div class="section-header">
                <h2 id="connections-title">"Parent accounts"</h2>
                <p class="muted">
                    "The Voximplant accounts Voxdesk manages. Credentials are encrypted and never shown again; the fingerprint identifies them."
                </p>
            </div>
            <Show when=move || row_error().is_some()>
                <p class="alert alert-error" role="alert">{move || row_error().map(|e| e.to_string())}</p>
            </Show>
            <Transition fallback=|| view! { <Loading what="Loading connections…" /> }>
                                {crate::ui::once_loaded(move || async move {
                    match connections.await {
                        Ok(c) if c.list.is_empty() => view! {
                            <EmptyState title="No parent account yet.">
                                <p class="muted">"Add one below to start managing child accounts."</p>
                            </EmptyState>
                        }
                        .into_any(),
                        Ok(c) => view! {
                                <TableWrap caption="Connected Voximplant parent accounts">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Name"</th>
                                            <th scope="col">"Voximplant account"</th>
                                            <th scope="col">"Credentials"</th>
                                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {c.list
                                            .into_iter()
                                            .map(|connection| view! { <ConnectionRow connection rename rotate remove /> })
                                            .collect_view()}
                                    </tbody>
                                </TableWrap>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorState error retry=move || connections.refetch() /> }.into_any(),
                    }
                })}
            </Transition>
            <AddConnectionForm add />
        </section>
    }
}

#[component]
fn ConnectionRow(
    connection: ConnectionView,
    rename: ServerAction<RenameConnection>,
    rotate: ServerAction<RotateConnection>,
    remove: ServerAction<RemoveConnection>,
) -> impl IntoView {
    let mode = RwSignal::new(None::<&'static str>);
    let toasts = use_toasts();
    let kind_label = if connection.kind == "api_key" { "API key" } else { "Service account" };
    let id = connection.id.clone();
    let name = connection.name.clone();
    view! {
        <tr data-test=format!("connection-{}", connection.name)>
            <td>
                <span class="strong">{connection.name.clone()}</span>
                <span class="muted small block">{connection.base_url.clone()}</span>
            </td>
            <td>{connection.account_name.clone()}<span class="muted small">{format!(" #{}", connection.account_id)}</span></td>
            <td>
                {kind_label}
                <code class="fingerprint block" data-test="fingerprint">{connection.fingerprint.clone()}</code>
            </td>
            <td class="actions">
                {move || {
                    let id = id.clone();
                    let name = name.clone();
                    match mode.get() {
                        None => view! {
                            <button class="button button-small button-secondary" on:click=move |_| mode.set(Some("rename"))>"Rename"</button>
                            <button class="button button-small button-secondary" on:click=move |_| mode.set(Some("rotate"))>"Rotate credentials"</button>
                            <ConfirmDialog
                                id=format!("remove-{id}")
                                open_label="Remove"
                                title=format!("Remove the connection “{name}”?")
                                message="Voxdesk deletes its stored credentials and stops working with this parent account. \
                                         The Voximplant account and its child accounts are not changed. This cannot be undone."
                                confirm_label="Remove connection"
                                danger=true
                                on_confirm=move |_| {
                                    remove.dispatch(RemoveConnection { id: id.clone() });
                                    toasts.show(format!("Connection “{name}” removed."));
                                }
                            />
                        }
                        .into_any(),
                        Some("rename") => view! {
                            <PostForm action=rename read=rename_fields class="inline-form" on:submit=move |_| mode.set(None)>
                                <input type="hidden" name="id" value=id />
                                <label class="visually-hidden" for="rename-input">"New name"</label>
                                <input id="rename-input" name="name" value=name required />
                                <button type="submit" class="button button-small">"Save"</button>
                                <button type="button" class="button button-small button-secondary" on:click=move |_| mode.set(None)>"Cancel"</button>
                            </PostForm>
                        }
                        .into_any(),
                        Some("rotate") => view! { <RotateForm id rotate mode /> }.into_any(),
                        Some(_) => ().into_any(),
                    }
                }}
            </td>
        </tr>
    }
}

/// New credentials for the same account: an API key, or a service account's JSON.
#[component]
fn RotateForm(id: String, rotate: ServerAction<RotateConnection>, mode: RwSignal<Option<&'static str>>) -> impl IntoView {
    let kind = RwSignal::new("api_key".to_string());
    view! {
        <PostForm action=rotate read=rotate_fields class="rotate-form" on:submit=move |_| mode.set(None)>
            <input type="hidden" name="id" value=id />
            <p class="small">"New credentials for the same Voximplant account:"</p>
            <label class="visually-hidden" for="rotate-kind">"Kind of credentials"</label>
            <select id="rotate-kind" name="kind" on:change=move |e| kind.set(event_target_value(&e))>
                <option value="api_key">"Account ID and API key"</option>
                <option value="service_account">"Service account JSON"</option>
            </select>
            <input name="account_id" placeholder="Account ID" aria-label="Account ID" hidden=move || kind.get() != "api_key" />
            <input name="api_key" type="password" placeholder="New API key" aria-label="New API key" autocomplete="off" hidden=move || kind.get() != "api_key" />
            <textarea name="credentials_json" rows="3" placeholder="Service account credentials JSON" aria-label="Service account credentials JSON" hidden=move || kind.get() != "service_account"></textarea>
            <button type="submit" class="button button-small">"Check and save"</button>
            <button type="button" class="button button-small button-secondary" on:click=move |_| mode.set(None)>"Cancel"</button>
        </PostForm>
    }
}

#[component]
fn AddConnectionForm(add: ServerAction<AddConnection>) -> impl IntoView {
    let check = ServerAction::<CheckConnection>::new();
    let kind = RwSignal::new("api_key".to_string());
    let base_url: NodeRef<html::Input> = NodeRef::new();
    let account_id: NodeRef<html::Input> = NodeRef::new();
    let api_key: NodeRef<html::Input> = NodeRef::new();
    let credentials: NodeRef<html::Textarea> = NodeRef::new();
    let error = move || {
        add.value().get().and_then(Result::err).or_else(|| check.value().get().and_then(Result::err))
    };
    let field_error = move |field: &'static str| move || error().and_then(|e| e.for_field(field));
    let general_error = move || error().filter(|e| !matches!(e, AppError::Invalid { .. })).map(|e| e.to_string());
    let run_check = move |_| {
        let value = |input: NodeRef<html::Input>| input.get().map(|i| i.value()).unwrap_or_default();
        check.dispatch(CheckConnection {
            kind: kind.get_untracked(),
            base_url: value(base_url),
            account_id: Some(value(account_id)),
            api_key: Some(value(api_key)),
            credentials_json: credentials.get().map(|t| t.value()),
        });
    };
    view! {
        <details class="add-form">
            <summary class="button button-secondary">"Add a parent account"</summary>
            <PostForm action=add read=new_connection_fields class="form form-grid" novalidate=true>
                <FormField name="name" label="Name in Voxdesk" error=field_error("name") />
                <div class="field">
                    <label for="connection-kind">"Credentials"</label>
                    <select id="connection-kind" name="kind" on:change=move |e| kind.set(event_target_value(&e))>
                        <option value="api_key">"Account ID and API key"</option>
                        <option value="service_account">"Service account key (JSON)"</option>
                    </select>
                </div>
                <div class="field field-wide">
                    <label for="field-base_url">"API address"</label>
                    <input id="field-base_url" name="base_url" value=DEFAULT_BASE_URL node_ref=base_url />
                    <p class="field-error" role="alert">{field_error("base_url")}</p>
                </div>
                <div class="field" hidden=move || kind.get() != "api_key">
                    <label for="field-account_id">"Account ID"</label>
                    <input id="field-account_id" name="account_id" inputmode="numeric" node_ref=account_id />
                    <p class="field-error" role="alert">{field_error("account_id")}</p>
                </div>
                <div class="field" hidden=move || kind.get() != "api_key">
                    <label for="field-api_key">"API key"</label>
                    <input id="field-api_key" name="api_key" type="password" autocomplete="off" node_ref=api_key />
                    <p class="field-error" role="alert">{field_error("api_key")}</p>
                </div>
                <div class="field field-wide" hidden=move || kind.get() != "service_account">
                    <label for="credentials-file">"Upload the credentials file"</label>
                    <input
                        id="credentials-file"
                        type="file"
                        accept="application/json,.json"
                        on:change=move |event| load_credentials_file(event, credentials)
                    />
                </div>
                <div class="field field-wide" hidden=move || kind.get() != "service_account">
                    <label for="field-credentials_json">"…or paste the credentials JSON (as downloaded from Voximplant)"</label>
                    <textarea id="field-credentials_json" name="credentials_json" rows="5" spellcheck="false" node_ref=credentials></textarea>
                    <p class="field-error" role="alert">{field_error("credentials_json")}</p>
                </div>
                <Show when=move || matches!(check.value().get(), Some(Ok(_)))>
                    <p class="alert alert-success" role="status" data-test="check-result">
                        {move || check.value().get().and_then(Result::ok).map(|account| format!(
                            "Voximplant knows these credentials: {} (account {}), balance {} {}.",
                            account.account_name, account.account_id, account.balance, account.currency
                        ))}
                    </p>
                </Show>
                <Show when=move || general_error().is_some()>
                    <p class="alert alert-error" role="alert">{general_error}</p>
                </Show>
                <div class="form-actions">
                    <button type="button" class="button button-secondary" on:click=run_check disabled=check.pending()>
                        {move || if check.pending().get() { "Checking…" } else { "Check credentials" }}
                    </button>
                    " "
                    <button type="submit" class="button" disabled=add.pending()>
                        {move || if add.pending().get() { "Checking and saving…" } else { "Save connection" }}
                    </button>
                </div>
            </PostForm>
        </details>
        {move || add.value().get().and_then(Result::ok).map(|saved| view! {
            <p class="alert alert-success" role="status" data-test="connection-saved">
                {format!("Connected {} ({}, account {}).", saved.name, saved.account_name, saved.account_id)}
            </p>
        })}
    }
}

/// Reads a chosen credentials file into the textarea, in the browser: the file's
/// content is sent only with the form, like a pasted key.
fn load_credentials_file(event: leptos::ev::Event, target: NodeRef<html::Textarea>) {
    use wasm_bindgen::JsCast;
    let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
    let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
    leptos::task::spawn_local(async move {
        if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
            if let (Some(text), Some(area)) = (text.as_string(), target.get_untracked()) {
                area.set_value(&text);
            }
        }
    });
}

fn rename_fields(fields: &Fields) -> RenameConnection {
    RenameConnection { id: fields.text("id"), name: fields.text("name") }
}

fn rotate_fields(fields: &Fields) -> RotateConnection {
    RotateConnection {
        id: fields.text("id"),
        kind: fields.text("kind"),
        account_id: Some(fields.text("account_id")),
        api_key: Some(fields.text("api_key")),
        credentials_json: Some(fields.text("credentials_json")),
    }
}

fn new_connection_fields(fields: &Fields) -> AddConnection {
    AddConnection {
        name: fields.text("name"),
        kind: fields.text("kind"),
        base_url: fields.text("base_url"),
        account_id: Some(fields.text("account_id")),
        api_key: Some(fields.text("api_key")),
        credentials_json: Some(fields.text("credentials_json")),
    }
}
