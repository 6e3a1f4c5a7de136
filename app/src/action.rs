//! How a feature declares its actions: one [`Endpoint`] per server function (its path,
//! who may call it, and whether it is audited), and one [`Audited`] per recorded
//! action (its audit name, the Voximplant method it calls, and how the reconciler
//! checks whether it happened when the portal stopped before recording its outcome).
//!
//! Each feature lists its declarations in its own `actions.rs`; [`crate::registry`]
//! gathers them. The role table, the audited/read-only split and the reconciler
//! are all read from those lists, so adding an action is one edit in one folder.

use std::{future::Future, pin::Pin};

use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    access::{Access, Permission},
    audit::Outcome,
    backend::Backend,
};

/// An intent the reconciler found without an outcome.
#[derive(Debug, Clone)]
pub struct PendingIntent {
    pub seq: i64,
    pub action: String,
    pub targets: Value,
    pub params: Value,
    /// The parent connection the action went to, if any.
    pub connection_id: Option<Uuid>,
    /// The process that wrote the intent is gone: whatever it was still doing (a bulk
    /// job, say) will not go on.
    pub writer_gone: bool,
}

/// What a check found: the outcome to record and what it saw. `None` from a check
/// means it cannot tell now (Voximplant unreachable, say): the intent stays open.
pub type Settlement = Option<(Outcome, Value)>;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Asks the world whether an interrupted action happened.
pub type Check = for<'a> fn(&'a Backend, &'a PendingIntent) -> BoxFuture<'a, Settlement>;

/// An action written ahead to the audit log (intent, then outcome).
#[derive(Clone, Copy)]
pub struct Audited {
    /// What the audit log calls it: `child_account.create`.
    pub name: &'static str,
    /// The Voximplant Management API method it calls, if any. A call with no clear
    /// answer (timeout, 5xx) claims no outcome; the reconciler settles it.
    pub method: Option<&'static str>,
    /// How the reconciler checks it; without one, an interrupted action is settled
    /// as `unknown`.
    pub check: Option<Check>,
}

impl Audited {
    pub const fn new(name: &'static str) -> Self {
        Audited { name, method: None, check: None }
    }

    pub const fn calls(mut self, method: &'static str) -> Self {
        self.method = Some(method);
        self
    }

    pub const fn checked_by(mut self, check: Check) -> Self {
        self.check = Some(check);
        self
    }
}

impl std::fmt::Debug for Audited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audited")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("checked", &self.check.is_some())
            .finish()
    }
}

/// A server function: where it answers, who may call it, what it records, and the
/// fields it takes.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// `/api/children/create`: the server function's own `PATH`.
    pub path: &'static str,
    pub access: Access,
    /// `None`: it changes nothing but the caller's own session or preferences.
    pub audited: Option<&'static Audited>,
    /// The names of its arguments (`None`: they could not be read off its type).
    pub fields: fn() -> Option<&'static [&'static str]>,
}

impl Endpoint {
    const fn of<F: ServerFn + DeserializeOwned>(access: Access, audited: Option<&'static Audited>) -> Self {
        Endpoint { path: F::PATH, access, audited, fields: field_names::<F> }
    }

    /// Anyone may call it, signed in or not.
    pub const fn public<F: ServerFn + DeserializeOwned>() -> Self {
        Endpoint::of::<F>(Access::Public, None)
    }

    /// Changes nothing; callers need `permission`.
    pub const fn read<F: ServerFn + DeserializeOwned>(permission: Permission) -> Self {
        Endpoint::of::<F>(Access::Requires(permission), None)
    }

    /// Changes something, audited as `action`; callers need `permission`.
    pub const fn write<F: ServerFn + DeserializeOwned>(permission: Permission, action: &'static Audited) -> Self {
        Endpoint::of::<F>(Access::Requires(permission), Some(action))
    }

    /// Public, but audited (first-run setup).
    pub const fn public_write<F: ServerFn + DeserializeOwned>(action: &'static Audited) -> Self {
        Endpoint::of::<F>(Access::Public, Some(action))
    }
}

/// The field names `T` reads, from its derived `Deserialize` (which hands them to the
/// deserializer before reading anything); `None` if `T` is not a plain struct.
pub fn field_names<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    use serde::de::{value::Error, Deserializer, Error as _, Visitor};
    struct Names<'a>(&'a mut Option<&'static [&'static str]>);
    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
            Err(Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], _: V) -> Result<V::Value, Error> {
            *self.0 = Some(fields);
            Err(Error::custom("only the names were wanted"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut names = None;
    let _ = T::deserialize(Names(&mut names));
    names
}

/// The check for an action that creates a row named `name`: it happened if a row of
/// `table` has `column = name` now. `None` while the database cannot be asked.
pub async fn row_exists(backend: &Backend, table: &'static str, column: &'static str, noun: &str, name: &str) -> Settlement {
    let query = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} = $1)");
    let exists: bool = sqlx::query_scalar(&query).bind(name).fetch_one(backend.unguarded_pool()).await.ok()?;
    Some(if exists {
        crate::audit::ssr::found(Outcome::Ok, format!("{noun} {name} exists"))
    } else {
        crate::audit::ssr::found(Outcome::Error, format!("{noun} {name} does not exist: the action did not happen"))
    })
}
