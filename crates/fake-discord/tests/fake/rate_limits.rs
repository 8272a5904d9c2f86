//! 429s and 5xx on demand, and the rate-limit buckets: what serenity does with them in TLS
//! mode (its ratelimiter) and in proxy mode (nothing: the caller sees the error).

use std::time::{Duration, Instant};

use fake_discord::{Bucket, FakeDiscord, Fault, Ids};
use serenity::all::CreateMessage;

const MESSAGES: &str = "/channels/{channel_id}/messages";

fn posts(fake: &FakeDiscord) -> Vec<(u16, bool)> {
    fake.requests_to("POST", MESSAGES)
        .iter()
        .map(|r| (r.status, r.tls))
        .collect()
}

#[tokio::test]
async fn in_tls_mode_a_429_is_retried_after_retry_after_and_the_message_lands_once() {
    let fake = FakeDiscord::start().await;
    let retry_after = Duration::from_millis(300);
    fake.fail_next("POST", MESSAGES, 1, Fault::rate_limited(retry_after));
    let started = Instant::now();

    let sent = Ids::FIXED
        .announcements
        .send_message(
            &fake.tls_http(),
            CreateMessage::new().content("Keynote in 5 minutes"),
        )
        .await;

    sent.expect("serenity's ratelimiter waits and retries");
    assert!(
        started.elapsed() >= retry_after,
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(posts(&fake), [(429, true), (200, true)]);
    assert_eq!(fake.messages(Ids::FIXED.announcements).len(), 1);
}

#[tokio::test]
async fn in_proxy_mode_a_429_reaches_the_caller_with_status_429() {
    let fake = FakeDiscord::start().await;
    fake.fail_next(
        "POST",
        MESSAGES,
        1,
        Fault::rate_limited(Duration::from_millis(300)),
    );

    let err = Ids::FIXED
        .announcements
        .send_message(
            &fake.proxy_http(),
            CreateMessage::new().content("Keynote in 5 minutes"),
        )
        .await
        .expect_err("no ratelimiter in proxy mode");

    let serenity::Error::Http(http) = &err else {
        panic!("an HTTP error: {err:?}")
    };
    assert_eq!(http.status_code().map(|s| s.as_u16()), Some(429));
    assert_eq!(posts(&fake), [(429, false)]);
    assert!(fake.messages(Ids::FIXED.announcements).is_empty());
}

#[tokio::test]
async fn server_errors_are_injected_and_then_the_route_recovers() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    fake.fail_next("POST", MESSAGES, 2, Fault::ServerError);
    fake.fail_next("GET", "/channels/{channel_id}", 1, Fault::BadGateway);
    let channel = Ids::FIXED.general;

    for _ in 0..2 {
        let err = channel
            .send_message(&http, CreateMessage::new().content("hi"))
            .await
            .expect_err("500");
        let serenity::Error::Http(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.status_code().map(|s| s.as_u16()), Some(500));
    }
    channel
        .send_message(&http, CreateMessage::new().content("hi"))
        .await
        .expect("recovered");
    assert!(channel.to_channel(&http).await.is_err(), "502");
    channel.to_channel(&http).await.expect("recovered");
}

#[tokio::test]
async fn in_tls_mode_serenity_waits_for_an_empty_bucket_instead_of_hitting_429() {
    let fake = FakeDiscord::start().await;
    let window = Duration::from_millis(400);
    fake.set_message_bucket(Bucket { limit: 2, window });
    let http = fake.tls_http();
    let started = Instant::now();

    for n in 0..3 {
        Ids::FIXED
            .general
            .send_message(&http, CreateMessage::new().content(format!("#{n}")))
            .await
            .expect("sent");
    }

    assert!(
        started.elapsed() >= window / 2,
        "the third waited for the bucket: {:?}",
        started.elapsed()
    );
    assert_eq!(
        posts(&fake),
        [(200, true); 3],
        "X-RateLimit-* headers kept serenity out of 429s"
    );
}

#[tokio::test]
async fn in_proxy_mode_an_exhausted_bucket_answers_429() {
    let fake = FakeDiscord::start().await;
    fake.set_message_bucket(Bucket {
        limit: 1,
        window: Duration::from_secs(30),
    });
    let http = fake.proxy_http();
    Ids::FIXED
        .general
        .send_message(&http, CreateMessage::new().content("one"))
        .await
        .expect("sent");
    Ids::FIXED
        .general
        .send_message(&http, CreateMessage::new().content("two"))
        .await
        .expect_err("429");
    Ids::FIXED
        .questions
        .send_message(&http, CreateMessage::new().content("other channel"))
        .await
        .expect("own bucket");
    assert_eq!(
        posts(&fake).iter().map(|p| p.0).collect::<Vec<_>>(),
        [200, 429, 200]
    );
}

#[tokio::test]
async fn in_tls_mode_a_global_429_is_waited_out_too() {
    let fake = FakeDiscord::start().await;
    let retry_after = Duration::from_millis(200);
    fake.fail_next(
        "POST",
        MESSAGES,
        1,
        Fault::RateLimited {
            retry_after,
            global: true,
        },
    );
    let started = Instant::now();

    let channel = Ids::FIXED.general;
    channel
        .send_message(&fake.tls_http(), CreateMessage::new().content("hi"))
        .await
        .expect("retried");

    assert!(started.elapsed() >= retry_after);
    assert_eq!(posts(&fake), [(429, true), (200, true)]);
}

#[tokio::test]
async fn the_global_limit_when_asked_answers_requests_over_50_a_second_with_a_global_429() {
    let fake = FakeDiscord::start().await;
    fake.enforce_global_limit(50);
    let client = reqwest::Client::new();
    let url = format!(
        "{}/api/v10/channels/{}",
        fake.api_url(),
        Ids::FIXED.announcements
    );
    // Sixty at once: far more than fifty in the same second.
    let answers = futures_join(
        (0..60)
            .map(|_| {
                client
                    .get(&url)
                    .header("Authorization", format!("Bot {}", fake.token()))
                    .send()
            })
            .collect(),
    )
    .await;
    let limited: Vec<&reqwest::Response> = answers
        .iter()
        .map(|a| a.as_ref().expect("an answer"))
        .filter(|a| a.status() == 429)
        .collect();
    assert!(limited.len() >= 10, "{} answered 429", limited.len());
    // The 429s after the first came while it was in force: counted as a bot that kept sending.
    assert_eq!(
        fake.requests_while_globally_limited(),
        limited.len() - 1,
        "every 429 but the first"
    );
    for answer in limited {
        assert_eq!(answer.headers()["x-ratelimit-global"], "true");
        assert!(answer.headers().contains_key("retry-after"));
    }
    let before = fake.requests_while_globally_limited();
    // A second later the window has room again.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    fake.proxy_http()
        .get_channel(Ids::FIXED.announcements)
        .await
        .expect("room again after a second");
    assert_eq!(
        fake.requests_while_globally_limited(),
        before,
        "sent after the 429's retry_after: not counted"
    );
}

/// Awaits every future, concurrently.
async fn futures_join<F: std::future::Future + Send + 'static>(futures: Vec<F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("a request task"));
    }
    out
}

#[tokio::test]
async fn a_user_who_refuses_dms_gets_the_channel_but_posting_answers_50007() {
    let fake = FakeDiscord::start().await;
    let ids = Ids::FIXED;
    fake.refuse_dms(ids.attendee);
    let http = fake.proxy_http();
    let dm = ids
        .attendee
        .create_dm_channel(&http)
        .await
        .expect("Discord opens the channel anyway");
    let err = dm
        .id
        .send_message(&http, CreateMessage::new().content("Your talk starts soon"))
        .await
        .expect_err("refused");
    match err {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) => {
            assert_eq!(response.status_code.as_u16(), 403);
            assert_eq!(response.error.code, 50007);
        }
        other => panic!("expected a 403, got {other:?}"),
    }
    assert!(fake.messages(dm.id).is_empty());
    fake.assert_no_violations();
}
