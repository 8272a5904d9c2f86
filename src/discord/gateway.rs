//! Everything Discord sends besides slash commands and autocompletes, routed in one place: a
//! component press goes by its custom id to the feature that made it (a list's page buttons,
//! Q&A votes, agenda controls, feedback ratings and the comment modal), and the gateway events
//! that features follow go to them (deleted threads to Q&A, scheduled-event changes and
//! resumes to the mirror, live stages to on stage now).
//!
//! Custom ids say what they are (`page:…`, `qa:…`, `agenda:…`, `feedback:…`; parsed by the
//! domain types that write them), so a press is answered by the event handler whenever it
//! comes: no collector per message, and buttons outlive the command that sent them and restarts.

use poise::serenity_prelude::{self as serenity, ComponentInteraction, FullEvent, Interaction};

use super::errors::private;
use super::{agenda, feedback, mirror, pages, qa, stage, Data, Error};
use crate::domain::agenda::Action;
use crate::domain::feedback::Press as Rating;
use crate::domain::qa::Press;
use crate::reply::PageTurn;

/// What a press's custom id says it is.
#[derive(Debug, Clone, PartialEq)]
enum Pressed {
    Page(PageTurn),
    Qa(Press),
    Agenda(Action),
    Feedback(Rating),
}

impl Pressed {
    fn parse(custom_id: &str) -> Option<Pressed> {
        PageTurn::parse(custom_id)
            .map(Pressed::Page)
            .or_else(|| Press::parse(custom_id).map(Pressed::Qa))
            .or_else(|| Action::parse(custom_id).map(Pressed::Agenda))
            .or_else(|| Rating::parse(custom_id).map(Pressed::Feedback))
    }
}

/// The framework's event handler.
pub async fn on_event(
    ctx: &serenity::Context,
    event: &FullEvent,
    data: &Data,
) -> Result<(), Error> {
    match event {
        FullEvent::InteractionCreate {
            interaction: Interaction::Component(press),
        } => {
            route(ctx, press, data).await;
            Ok(())
        }
        // confbot's only modal: a comment on a talk.
        FullEvent::InteractionCreate {
            interaction: Interaction::Modal(submit),
        } => {
            feedback::on_modal(ctx, submit, data).await;
            Ok(())
        }
        FullEvent::ThreadDelete { thread, .. } => qa::on_thread_delete(thread.id, data).await,
        _ => {
            stage::on_event(event, data);
            mirror::on_event(ctx, event, data).await
        }
    }
}

async fn route(ctx: &serenity::Context, press: &ComponentInteraction, data: &Data) {
    match Pressed::parse(&press.data.custom_id) {
        Some(Pressed::Page(turn)) => pages::on_press(ctx, press, turn, data).await,
        Some(Pressed::Qa(action)) => qa::on_press(ctx, press, action, data).await,
        Some(Pressed::Agenda(action)) => agenda::on_press(ctx, press, action, data).await,
        Some(Pressed::Feedback(action)) => feedback::on_press(ctx, press, action, data).await,
        None => {
            // A control of no version of confbot's: said so, rather than left to fail.
            tracing::warn!(custom_id = %press.data.custom_id, "a press of an unknown control");
            let answer = private("This control is not confbot's, or no longer in use.");
            if let Err(error) = press.create_response(ctx, answer).await {
                tracing::warn!(%error, "could not answer an unknown control");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_feature_reads_its_own_custom_ids_and_nothing_else() {
        let turn = PageTurn {
            list: crate::ids::InteractionId(7),
            page: 2,
            command: "search".into(),
        };
        assert_eq!(Pressed::parse(&turn.custom_id()), Some(Pressed::Page(turn)));
        let vote = Press::Vote(12);
        assert_eq!(Pressed::parse(&vote.custom_id()), Some(Pressed::Qa(vote)));
        let calendar = Action::Calendar;
        assert_eq!(
            Pressed::parse(&calendar.custom_id()),
            Some(Pressed::Agenda(calendar))
        );
        let rating = Rating::Rate("t1".into(), crate::store::Rating::new(4).unwrap());
        assert_eq!(
            Pressed::parse(&rating.custom_id()),
            Some(Pressed::Feedback(rating))
        );
        assert_eq!(Pressed::parse("someone-else:1"), None);
    }
}
