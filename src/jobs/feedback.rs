//! "How was it?" (`CONFBOT_FEEDBACK=on`): when a talk ends, its open Q&A thread (or its
//! session's) gets one message with 1–5 buttons and "Comment", exactly once per talk, end and
//! thread through the outbox. A prompt is worth posting for [`WITHIN`] after the end: a bot
//! that was down longer lets those talks go rather than ask about them an hour later.
//! Presses are answered in `discord/feedback.rs`.

use chrono::{DateTime, TimeDelta, Utc};

use super::delivery::{Report, Rules};
use super::Tick;
use crate::domain::feedback::prompt;
use crate::domain::ports::{Outgoing, Poster};
use crate::store::outbox::GiveUp;
use crate::store::{FeedbackPrompt, Store};
use crate::text;

/// How long after a talk's end its prompt is still posted.
pub const WITHIN: TimeDelta = TimeDelta::minutes(30);

/// Posts the prompts of the talks that ended within [`WITHIN`] of `now`.
pub async fn tick(
    store: &Store,
    poster: &impl Poster,
    now: DateTime<Utc>,
    rules: &Rules,
) -> anyhow::Result<Report> {
    Tick {
        store,
        out: poster,
        now,
        rules,
    }
    .feedback()
    .await
}

impl<P: Poster> Tick<'_, P> {
    async fn feedback(&self) -> anyhow::Result<Report> {
        let (store, now) = (self.store, self.now);
        let mut report = Report::default();
        for id in store.claims_to_retry(now)? {
            self.post_prompt(store.feedback_prompt(id)?, &mut report)
                .await?;
        }
        for ended in store.talks_ended(now - WITHIN, now)? {
            if let Some(claimed) = store.claim_feedback_prompt(&ended, now)? {
                self.post_prompt(claimed, &mut report).await?;
            }
        }
        Ok(report)
    }

    async fn post_prompt(
        &self,
        claimed: FeedbackPrompt,
        report: &mut Report,
    ) -> anyhow::Result<()> {
        let store = self.store;
        let (Some(conference), Some(row)) = (store.conference()?, store.talk(&claimed.talk_id)?)
        else {
            return self.give_up(
                &claimed.delivery,
                GiveUp::Failed,
                "the talk is no longer in the program",
                report,
            );
        };
        let outgoing = Outgoing {
            guild_id: claimed.guild_id,
            channel_id: claimed.channel_id,
            nonce: claimed.nonce.clone(),
            content: text!["⭐ How was it? Rate the talk that just ended."],
            embed: prompt(&row, conference.time_zone),
            mention_role: None,
        };
        self.post_claimed(&claimed.delivery, &outgoing, false, report)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::feedback::Press;
    use crate::ids::{ChannelId, GuildId};
    use crate::store::OpenedThread;
    use crate::testing::{self, FakePoster};

    #[tokio::test]
    async fn each_talk_that_ends_gets_one_prompt_in_its_open_thread_and_none_after_the_window() {
        let program = testing::bundled();
        let session = &program.sessions()[0];
        let store = testing::store_of(&program);
        let guild = GuildId(1);
        let opened = |thread: u64, talk| OpenedThread {
            guild,
            session_id: &session.slot.id,
            talk_id: talk,
            title: "Q&A",
            channel: ChannelId(5),
            thread: ChannelId(thread),
        };
        // The session's thread, and the second talk's own thread.
        let first = &session.talks[0];
        let second = &session.talks[1];
        store
            .qa_thread_opened(&opened(10, None), first.start)
            .unwrap();
        store
            .qa_thread_opened(&opened(11, Some(&second.id)), first.start)
            .unwrap();
        let poster = FakePoster::default();
        let rules = Rules::default();

        let at_first_end = first.end + TimeDelta::seconds(1);
        tick(&store, &poster, at_first_end, &rules).await.unwrap();
        tick(&store, &poster, at_first_end, &rules).await.unwrap();
        let posted = poster.posted();
        assert_eq!(posted.len(), 1, "{posted:?}");
        assert_eq!(posted[0].channel_id, ChannelId(10));
        let press = Press::parse(&posted[0].embed.actions[4].custom_id);
        assert_eq!(
            press,
            Some(Press::Rate(
                first.id.clone(),
                crate::store::Rating::new(5).unwrap()
            ))
        );

        // The second talk's prompt goes to its own thread, not the session's.
        tick(&store, &poster, second.end, &rules).await.unwrap();
        assert_eq!(poster.posted().len(), 2);
        assert_eq!(poster.posted()[1].channel_id, ChannelId(11));

        // A bot down past the window lets a talk go.
        let last = session.talks.last().expect("talks");
        assert!(last.end > second.end);
        tick(
            &store,
            &poster,
            last.end + WITHIN + TimeDelta::seconds(1),
            &rules,
        )
        .await
        .unwrap();
        assert_eq!(poster.posted().len(), 2);
    }
}
