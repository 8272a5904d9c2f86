//! The two kinds of error (ARCHITECTURE.md, rule 2): a [`UserError`] is shown to the user as
//! written; anything else is internal, logged with its context, and the user sees a short
//! apology.

use crate::reply::Text;

/// A mistake or an empty answer the user should read as is ("No talk with id `x`"). It is a
/// [`Text`], so program text quoted in it (a title, a room) is a program part that each renderer
/// escapes its way, whoever wrote the error. Displayed as Discord would show it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .0.discord())]
pub struct UserError(pub Text);

/// Why a command produced no reply.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Returns a [`UserError`] from the enclosing function, whatever its error type (a
/// [`CommandError`], or the Discord layer's `anyhow::Error`): `user_error!(text: t)` with a
/// [`Text`] that quotes program text as program parts, or a `format!`ted message of confbot's
/// own words.
#[macro_export]
macro_rules! user_error {
    (text: $text:expr) => {
        return Err($crate::error::UserError($text).into())
    };
    ($($message:tt)+) => {
        return Err($crate::error::UserError($crate::reply::Text::from(format!($($message)+))).into())
    };
}

/// The apology a user reads for an internal error (the error itself is logged, never shown).
pub const APOLOGY: &str = "Sorry, something went wrong on my side. Please try again in a moment.";
