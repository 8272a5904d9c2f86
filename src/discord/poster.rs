//! The serenity implementation of [`Poster`]: a channel message with the announcement's nonce
//! and `enforce_nonce`, allowing at most the guild's ping role to be mentioned.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateAllowedMentions, CreateMessage, Http, HttpError, Nonce, RoleId};

use super::render;
use super::retry::is_transient;
use crate::reminders::{Outgoing, PostError, Poster};

pub struct SerenityPoster {
    http: Arc<Http>,
}

impl SerenityPoster {
    pub fn new(http: Arc<Http>) -> SerenityPoster {
        SerenityPoster { http }
    }
}

impl Poster for SerenityPoster {
    async fn post(&self, message: &Outgoing) -> Result<u64, PostError> {
        let mentions = match message.mention_role {
            Some(role) => CreateAllowedMentions::new().roles([RoleId::new(role)]),
            None => render::no_mentions(),
        };
        let create = CreateMessage::new()
            .content(&message.content)
            .embed(render::embed(&message.embed))
            .nonce(Nonce::String(message.nonce.clone()))
            .enforce_nonce(true)
            .allowed_mentions(mentions);
        match ChannelId::new(message.channel_id)
            .send_message(&self.http, create)
            .await
        {
            Ok(sent) => Ok(sent.id.get()),
            Err(error) if is_transient(&error) => Err(PostError::Transient(describe(&error))),
            Err(error) => Err(PostError::Permanent(describe(&error))),
        }
    }
}

/// `403 Forbidden: Missing Access` rather than serenity's debug-ish text.
fn describe(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
            if !response.error.message.is_empty() =>
        {
            format!("{}: {}", response.status_code, response.error.message)
        }
        other => other.to_string(),
    }
}
