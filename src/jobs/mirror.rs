//! The Events tab mirror's tick: for every guild whose mirror is on, read Discord's list when
//! it must (at start, after a gateway resume, when the guild was full or an organiser made an
//! event, after `/setup events`),
//! then carry out [`crate::domain::mirror::plan`] through the [`EventPublisher`], recording each event
//! as it goes so a crash or restart never duplicates one. A create is recorded as an attempt
//! before it is sent; while one is unanswered, Discord's list is read (and the attempt's event
//! adopted if it was made) before anything else. A listing also puts back events edited by
//! hand, and keeps deleted the events that vanished while confbot was away.
//!
//! Failures: a missing permission marks the mirror broken (logged once, shown in `/setup
//! show`) and nothing is tried there until an admin runs `/setup events`; a full guild stops
//! creating and lists again; anything else ends this guild's sync, to be tried again after a
//! backoff (2 s doubling to 5 minutes on the bot's clock), one request at a time.

use chrono::{DateTime, Utc};

use crate::domain::mirror::{note_hand_edit, plan, reconcile, Action};
use crate::domain::ports::{EventDraft, EventError, EventPublisher};
use crate::ids::GuildId;
use crate::store::{EventMirror, EventStatus, MirroredEvent, Store};

/// What one tick did to the mirror.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EventsReport {
    pub created: usize,
    pub edited: usize,
    pub started: usize,
    pub completed: usize,
    pub deleted: usize,
    pub failed: usize,
}

/// Brings every mirroring guild's events in line with the program at `now`.
pub async fn tick(
    store: &Store,
    publisher: &impl EventPublisher,
    now: DateTime<Utc>,
) -> anyhow::Result<EventsReport> {
    let mut report = EventsReport::default();
    for mirror in store.mirroring_guilds(now)? {
        if let Err(error) = sync(store, publisher, &mirror, now, &mut report).await {
            report.failed += 1;
            let newly_broken = store.record_event_error(
                mirror.guild_id,
                error.reason(),
                matches!(error, EventError::Forbidden(_)),
                now,
            )?;
            if newly_broken {
                tracing::warn!(guild = %mirror.guild_id, error = error.reason(), "the Events mirror cannot manage events; stopped until /setup events");
            } else {
                tracing::debug!(guild = %mirror.guild_id, error = error.reason(), "an Events mirror request failed");
            }
            if matches!(error, EventError::Full(_)) {
                store.request_event_listing()?;
            }
        }
    }
    Ok(report)
}

/// The tick's error: Discord's, or the store's (which ends the tick).
enum SyncError {
    Discord(EventError),
    Store(anyhow::Error),
}

impl From<EventError> for SyncError {
    fn from(e: EventError) -> Self {
        SyncError::Discord(e)
    }
}

impl From<anyhow::Error> for SyncError {
    fn from(e: anyhow::Error) -> Self {
        SyncError::Store(e)
    }
}

async fn sync(
    store: &Store,
    publisher: &impl EventPublisher,
    mirror: &EventMirror,
    now: DateTime<Utc>,
    report: &mut EventsReport,
) -> Result<(), EventError> {
    match sync_inner(store, publisher, mirror, now, report).await {
        Ok(()) => Ok(()),
        Err(SyncError::Discord(e)) => Err(e),
        Err(SyncError::Store(e)) => {
            tracing::error!(error = ?e, "the Events mirror cannot use the database");
            Err(EventError::Transient(
                "confbot's database failed (see the log)".into(),
            ))
        }
    }
}

async fn sync_inner(
    store: &Store,
    publisher: &impl EventPublisher,
    mirror: &EventMirror,
    now: DateTime<Utc>,
    report: &mut EventsReport,
) -> Result<(), SyncError> {
    let guild = mirror.guild_id;
    let mut mirror = mirror.clone();
    let records = store.mirrored_events(guild)?;
    // An unanswered create is looked for before anything is created again.
    if mirror.needs_listing || records.iter().any(|r| r.creating) {
        let listed = publisher.list_events(guild).await?;
        let found = reconcile(&records, &listed);
        for session_id in &found.deleted {
            store.mark_mirrored_event_deleted(guild, session_id)?;
        }
        for session_id in &found.unmade {
            store.forget_mirrored_event(guild, session_id)?;
        }
        for (session_id, event) in &found.adopted {
            if let Some(mut record) = record_of(store, guild, session_id)? {
                record.event_id = Some(*event);
                record.creating = false;
                store.save_mirrored_event(guild, &record)?;
            }
        }
        for event in listed.iter().filter(|l| l.mine) {
            note_hand_edit(store, guild, event)?;
        }
        for (session_id, status) in &found.statuses {
            if let Some(mut record) = record_of(store, guild, session_id)? {
                record.status = *status;
                store.save_mirrored_event(guild, &record)?;
            }
        }
        for orphan in &found.orphans {
            match publisher.delete_event(guild, *orphan).await {
                Ok(()) | Err(EventError::Unknown) => report.deleted += 1,
                Err(e) => return Err(e.into()),
            }
        }
        store.record_event_listing(guild, found.foreign)?;
        mirror.foreign_events = found.foreign;
    }
    let plan = plan(store, &mirror, now)?;
    for action in plan.actions {
        match action {
            Action::Forget { session_id } => store.forget_mirrored_event(guild, &session_id)?,
            Action::Delete { session_id, event } => {
                // Forgotten first: the GUILD_SCHEDULED_EVENT_DELETE that follows is then not
                // taken for an organiser's deletion.
                let record = record_of(store, guild, &session_id)?;
                store.forget_mirrored_event(guild, &session_id)?;
                match publisher.delete_event(guild, event).await {
                    Ok(()) | Err(EventError::Unknown) => report.deleted += 1,
                    Err(e) => {
                        if let Some(record) = record {
                            store.save_mirrored_event(guild, &record)?;
                        }
                        return Err(e.into());
                    }
                }
            }
            Action::Complete {
                session_id,
                event,
                started,
            } => {
                let done = async {
                    if !started {
                        publisher
                            .set_event_status(guild, event, EventStatus::Active)
                            .await?;
                    }
                    publisher
                        .set_event_status(guild, event, EventStatus::Completed)
                        .await
                };
                match done.await {
                    Ok(()) | Err(EventError::Unknown) => {
                        report.completed += 1;
                        store.forget_mirrored_event(guild, &session_id)?;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Action::Edit {
                session_id,
                event,
                draft,
                started,
            } => {
                match publisher.edit_event(guild, event, &draft, started).await {
                    Ok(()) => {
                        report.edited += 1;
                        let status = if started {
                            EventStatus::Active
                        } else {
                            EventStatus::Scheduled
                        };
                        store.save_mirrored_event(
                            guild,
                            &record(&session_id, Some(event), &draft, status),
                        )?;
                    }
                    // Deleted behind confbot's back: it stays deleted.
                    Err(EventError::Unknown) => {
                        store.mark_mirrored_event_deleted(guild, &session_id)?
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Action::Start { session_id, event } => {
                match publisher
                    .set_event_status(guild, event, EventStatus::Active)
                    .await
                {
                    Ok(()) => {
                        report.started += 1;
                        if let Some(mut record) = record_of(store, guild, &session_id)? {
                            record.status = EventStatus::Active;
                            store.save_mirrored_event(guild, &record)?;
                        }
                    }
                    Err(EventError::Unknown) => {
                        store.mark_mirrored_event_deleted(guild, &session_id)?
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Action::Create { session_id, draft } => {
                // Recorded before it is sent: Discord has no nonce for events, so if the answer
                // is lost (or confbot killed) the next listing looks for what was sent.
                let mut attempt = record(&session_id, None, &draft, EventStatus::Scheduled);
                attempt.creating = true;
                store.save_mirrored_event(guild, &attempt)?;
                match publisher.create_event(guild, &draft).await {
                    Ok(event) => {
                        report.created += 1;
                        store.save_mirrored_event(
                            guild,
                            &record(&session_id, Some(event), &draft, EventStatus::Scheduled),
                        )?;
                    }
                    // It may have been made: the attempt stays for the next listing.
                    Err(e @ EventError::Transient(_)) => return Err(e.into()),
                    Err(e) => {
                        store.forget_mirrored_event(guild, &session_id)?;
                        return Err(e.into());
                    }
                }
            }
        }
    }
    store.record_event_sync(guild, now, plan.left_out, plan.left_out_by_cap)?;
    Ok(())
}

fn record_of(
    store: &Store,
    guild: GuildId,
    session_id: &str,
) -> anyhow::Result<Option<MirroredEvent>> {
    Ok(store
        .mirrored_events(guild)?
        .into_iter()
        .find(|r| r.session_id == session_id))
}

fn record(
    session_id: &str,
    event: Option<crate::ids::EventId>,
    draft: &EventDraft,
    status: EventStatus,
) -> MirroredEvent {
    MirroredEvent {
        session_id: session_id.to_owned(),
        event_id: event,
        creating: false,
        name: draft.name.clone(),
        description: draft.description.clone(),
        location: draft.location.clone(),
        channel_id: draft.channel.map(|c| c.id),
        start: draft.start,
        end: draft.end,
        status,
    }
}
