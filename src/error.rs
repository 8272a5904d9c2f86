//! The two kinds of error (DESIGN.md rule 2): a [`UserError`] is shown to the user as written;
//! anything else is internal, logged with its context, and the user sees a short apology.

/// A mistake or an empty answer the user should read as is ("No talk with id `x`").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

/// Why a command produced no reply.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Returns a [`UserError`] with a `format!`ted message from the enclosing function, whatever
/// its error type (a [`CommandError`], or the Discord layer's `anyhow::Error`).
#[macro_export]
macro_rules! user_error {
    ($($message:tt)+) => {
        return Err($crate::error::UserError(format!($($message)+)).into())
    };
}

/// The apology a user reads for an internal error (the error itself is logged, never shown).
pub const APOLOGY: &str = "Sorry, something went wrong on my side. Please try again in a moment.";
