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

/// Shorthand for a user-facing error.
pub fn user_error<T>(message: impl Into<String>) -> Result<T, CommandError> {
    Err(CommandError::User(UserError(message.into())))
}
