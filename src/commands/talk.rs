//! `/talk id`: everything about one talk, with its way in: the live stream and voice channel
//! while it runs or is to come, its recording once published (never if do-not-record), and
//! its slides.

use super::agenda::Action;
use super::{conference, known_talk, CommandResult};
use chrono::{DateTime, Utc};

use crate::domain::format::{abstract_text, people, span};
use crate::domain::rooms::Rooms;
use crate::ids::GuildId;
use crate::reply::{Reply, Text};
use crate::store::Store;
use crate::text;

pub fn talk(store: &Store, guild: Option<GuildId>, id: &str, now: DateTime<Utc>) -> CommandResult {
    let conference = conference(store)?;
    let tz = conference.time_zone;
    let row = known_talk(store, id)?;
    let (talk, session) = (&row.talk, &row.session);
    let moderators = store.moderators(&session.id)?;
    let day = talk.start.with_timezone(&tz).format("%A %-d %B");
    let mut reply = Reply::new(Text::program(&talk.title))
        .description(if talk.abstract_text.is_empty() {
            "No abstract.".to_string()
        } else {
            abstract_text(&talk.abstract_text)
        })
        .field(
            "When",
            text![format!("{day}, "), span(talk.start, talk.end, tz)],
            false,
        )
        .field("Kind", talk.kind.label(), true)
        .field("Speakers", people(&talk.speakers), true);
    if let Some(place) = session.place() {
        reply = reply.field("Where", Text::program(place), true);
    }
    reply = reply.field(
        "Session",
        text![
            Text::program(&session.title),
            "\n",
            span(session.start, session.end, tz)
        ],
        false,
    );
    if !moderators.is_empty() {
        reply = reply.field("Moderators", people(&moderators), false);
    }
    let way_in = Rooms::of(store, guild)?.way_in(session, Some(talk), now);
    if let Some(line) = way_in.line() {
        reply = reply.field("Way in", line, false);
    }
    if let Some(stream) = &way_in.stream {
        reply = reply.link("Watch", stream.as_str());
    }
    if let Some(recording) = &way_in.recording {
        reply = reply.link("Recording", recording.as_str());
    }
    if let Some(slides) = &talk.links.slides {
        reply = reply.link("Slides", slides.as_str());
    }
    reply.url = talk.url.clone();
    if let Some(url) = &talk.url {
        reply = reply.link("Talk page", url.clone());
    }
    // Public, so whoever presses it adds the talk to their own agenda.
    reply = reply.action("Remind me", Action::Remind(talk.id.clone()).custom_id());
    Ok(reply.footer(format!("{} · talk id {}", conference.name, talk.id)))
}
