//! Real serenity and poise bots against the fake: READY, commands, autocomplete, and the
//! gateway's bad days (dropped connection, op 7, wrong token).

use fake_discord::{FakeDiscord, Ids};
use serde_json::json;

use crate::support::{self, start_bot, Behaviour, Mode, PATIENCE};

#[tokio::test]
async fn serenity_bot_in_proxy_mode_answers_a_command_and_an_autocomplete() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;
    let ids = Ids::FIXED;

    let reply = fake
        .send_command(
            ids.attendee,
            ids.general,
            "next",
            [("track", json!("rust"))],
        )
        .await
        .response()
        .await;
    assert_eq!(reply.kind, 4);
    assert_eq!(
        reply.content.as_deref(),
        Some("Next on rust: Fearless concurrency")
    );
    assert!(reply.latency < PATIENCE);

    let choices = fake
        .send_autocomplete(
            ids.attendee,
            ids.general,
            "next",
            [("track", json!("ru"))],
            "track",
        )
        .await
        .response()
        .await;
    assert_eq!(choices.kind, 8);
    let names: Vec<&str> = choices
        .choices
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["rust", "rustdoc"]);

    assert_eq!(fake.gateway_stats().identifies, 1);
    assert!(
        fake.requests().iter().all(|r| !r.tls),
        "proxy mode is plain HTTP"
    );
    fake.assert_no_violations();
}

#[tokio::test]
async fn serenity_bot_in_tls_mode_goes_through_its_ratelimiter_to_the_fake() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Mode::Tls, Behaviour::Answer).await;
    let ids = Ids::FIXED;

    let reply = fake
        .send_command(ids.moderator, ids.questions, "next", [])
        .await
        .response()
        .await;
    assert_eq!(
        reply.content.as_deref(),
        Some("Next on all tracks: Fearless concurrency")
    );
    let requests = fake.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.tls && r.path.ends_with("/callback")),
        "{requests:#?}"
    );
    fake.assert_no_violations();
}

mod poise_bot {
    use super::*;

    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Context<'a> = poise::Context<'a, (), Error>;

    async fn tracks(
        _ctx: Context<'_>,
        partial: &str,
    ) -> poise::serenity_prelude::CreateAutocompleteResponse {
        let choices = support::TRACKS
            .iter()
            .filter(|t| t.starts_with(partial))
            .map(|t| poise::serenity_prelude::AutocompleteChoice::new(*t, *t))
            .collect();
        poise::serenity_prelude::CreateAutocompleteResponse::new().set_choices(choices)
    }

    /// The next talks
    #[poise::command(slash_command)]
    async fn next(
        ctx: Context<'_>,
        #[description = "Only this track"]
        #[autocomplete = "tracks"]
        track: Option<String>,
    ) -> Result<(), Error> {
        ctx.say(format!(
            "poise: next on {}",
            track.as_deref().unwrap_or("all tracks")
        ))
        .await?;
        Ok(())
    }

    #[tokio::test]
    async fn poise_bot_in_proxy_mode_answers_a_command_and_an_autocomplete() {
        let fake = FakeDiscord::start().await;
        let framework = poise::Framework::builder()
            .options(poise::FrameworkOptions {
                commands: vec![next()],
                ..Default::default()
            })
            .setup(|ctx, _ready, framework| {
                Box::pin(async move {
                    poise::builtins::register_in_guild(
                        ctx,
                        &framework.options().commands,
                        Ids::FIXED.guild,
                    )
                    .await?;
                    Ok(())
                })
            })
            .build();
        let http = support::http(&fake, Mode::Proxy, fake.token());
        let mut client = serenity::all::ClientBuilder::new_with_http(
            http,
            serenity::all::GatewayIntents::non_privileged(),
        )
        .framework(framework)
        .await
        .expect("building the poise client");
        let task = tokio::spawn(async move { client.start().await });
        let ids = Ids::FIXED;

        let reply = fake
            .send_command(ids.admin, ids.general, "next", [("track", json!("python"))])
            .await
            .response()
            .await;
        assert_eq!(reply.content.as_deref(), Some("poise: next on python"));
        let choices = fake
            .send_autocomplete(
                ids.admin,
                ids.general,
                "next",
                [("track", json!("rust"))],
                "track",
            )
            .await
            .response()
            .await;
        assert_eq!(choices.choices.len(), 2, "{:?}", choices.choices);

        let asked_owners = fake
            .requests()
            .iter()
            .any(|r| r.path == "/oauth2/applications/@me");
        assert!(
            asked_owners,
            "poise asks for the application's owners at start"
        );
        fake.assert_no_violations();
        task.abort();
    }
}

#[tokio::test]
async fn dropped_gateway_is_resumed() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;
    let ids = Ids::FIXED;

    fake.drop_gateway();
    fake.wait_for(|f| f.gateway_stats().resumes == 1, PATIENCE)
        .await
        .expect("serenity resumes");
    let stats = fake.gateway_stats();
    assert_eq!(
        (stats.connections, stats.identifies),
        (2, 1),
        "resumed, not identified again: {stats:?}"
    );

    let reply = fake
        .send_command(ids.attendee, ids.general, "next", [])
        .await
        .response()
        .await;
    assert_eq!(reply.kind, 4, "the resumed session still gets interactions");
    fake.assert_no_violations();
}

#[tokio::test]
async fn reconnect_request_is_resumed() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;

    fake.request_reconnect();
    fake.wait_for(|f| f.gateway_stats().resumes == 1, PATIENCE)
        .await
        .expect("serenity resumes after op 7");
    assert_eq!(fake.gateway_stats().identifies, 1);
}

#[tokio::test]
async fn resumable_invalid_session_is_resumed() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;

    fake.invalidate_session(true);
    fake.wait_for(|f| f.gateway_stats().resumes == 1, PATIENCE)
        .await
        .expect("serenity resumes after op 9 true");
}

#[tokio::test]
async fn interactions_sent_while_disconnected_are_replayed_on_resume() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;
    let ids = Ids::FIXED;

    fake.drop_gateway();
    // Sent at once: the connection may or may not be back; either way it must arrive.
    let handle = fake
        .send_command(ids.attendee, ids.general, "next", [])
        .await;
    assert_eq!(handle.response().await.kind, 4);
}

#[tokio::test]
async fn wrong_token_is_closed_with_4004_and_the_client_stops() {
    let fake = FakeDiscord::start().await;
    let mut bot = support::spawn_bot(&fake, Mode::Proxy, Behaviour::Answer, "not-the-token").await;
    fake.wait_for(|f| f.gateway_stats().rejected_identifies == 1, PATIENCE)
        .await
        .expect("IDENTIFY is refused");
    assert_eq!(fake.gateway_stats().identifies, 0);
    let ended = tokio::time::timeout(PATIENCE, &mut bot.task)
        .await
        .expect("the client gives up")
        .expect("no panic");
    assert!(
        ended.is_err(),
        "serenity reports the invalid token: {ended:?}"
    );
}

#[tokio::test]
async fn acknowledged_heartbeats_keep_serenity_connected() {
    let config = fake_discord::Config {
        heartbeat_interval: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let fake = FakeDiscord::start_with(config).await;
    let _bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;

    fake.wait_for(|f| f.gateway_stats().heartbeats >= 3, PATIENCE)
        .await
        .expect("serenity heartbeats at the interval of HELLO");
    let stats = fake.gateway_stats();
    assert_eq!(
        (stats.connections, stats.resumes),
        (1, 0),
        "no reconnect: {stats:?}"
    );
}

#[tokio::test]
async fn commands_work_in_threads_and_dms_too() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;
    let ids = Ids::FIXED;
    let thread = ids
        .questions
        .create_thread(
            &bot.http,
            serenity::all::CreateThread::new("Q&A").kind(serenity::all::ChannelType::PublicThread),
        )
        .await
        .expect("a thread");
    let dm = ids
        .attendee
        .create_dm_channel(&bot.http)
        .await
        .expect("a DM channel");

    for channel in [thread.id, dm.id] {
        let reply = fake
            .send_command(ids.attendee, channel, "next", [])
            .await
            .response()
            .await;
        assert_eq!(reply.kind, 4, "in {channel}");
    }
    assert_eq!(fake.messages(dm.id).len(), 1, "the answer shows in the DM");
    fake.assert_no_violations();
}
