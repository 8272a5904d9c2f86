//! A minimal serenity bot for the fake's own tests: it registers guild commands when READY
//! and either answers interactions itself or hands them to the test.

use std::sync::Arc;
use std::time::Duration;

use fake_discord::{FakeDiscord, Ids};
use serenity::all::{
    Context, CreateActionRow, CreateAllowedMentions, CreateAutocompleteResponse, CreateButton,
    CreateCommand, CreateCommandOption, CreateEmbed, CreateEmbedFooter, CreateInteractionResponse,
    CreateInteractionResponseMessage, EventHandler, GatewayIntents, Interaction, Message, Reaction,
    Ready, Timestamp,
};
use serenity::async_trait;
use serenity::http::Http;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a test waits for anything; generous, since nothing here should take a second but a
/// loaded 2-core CI may starve a test for several.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Which way serenity reaches the fake.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// `HttpBuilder::proxy` with the ratelimiter disabled, as the binary runs.
    Proxy,
    /// `HttpBuilder::client` with the fake's TLS client: serenity's ratelimiter on.
    Tls,
}

/// What the test bot does with interactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers `/next` with a message and its autocomplete with matching tracks.
    Answer,
    /// Hands every interaction to the test, which answers (or does not) itself.
    Forward,
}

/// The commands the test bot registers: `/next [track]` with an autocompleted option,
/// `/whois user` with a user option, and `/upload file` with an attachment option.
pub fn commands() -> Vec<CreateCommand> {
    use serenity::all::CommandOptionType;
    vec![
        CreateCommand::new("next")
            .description("The next talks")
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, "track", "Only this track")
                    .set_autocomplete(true),
            ),
        CreateCommand::new("whois")
            .description("Who someone is")
            .add_option(
                CreateCommandOption::new(CommandOptionType::User, "user", "Whom").required(true),
            ),
        CreateCommand::new("upload")
            .description("Hand the bot a file")
            .add_option(
                CreateCommandOption::new(CommandOptionType::Attachment, "file", "The file")
                    .required(true),
            ),
    ]
}

pub const TRACKS: [&str; 3] = ["rust", "python", "rustdoc"];

struct Handler {
    behaviour: Behaviour,
    tx: mpsc::UnboundedSender<Interaction>,
    messages: mpsc::UnboundedSender<Message>,
    reactions: mpsc::UnboundedSender<Reaction>,
}

/// The answering bot's reply to `/next`: what a real reply carries (embed, a button, no
/// pings), so the spec checks see serenity's real serialization of each.
fn next_reply(track: &str) -> CreateInteractionResponseMessage {
    let embed = CreateEmbed::new()
        .title("Fearless concurrency")
        .description("Room A, 10:00")
        .field("Speaker", "Ada", true)
        .footer(CreateEmbedFooter::new("Fake Conference"))
        .colour(0x00ff_8800)
        .timestamp(Timestamp::now());
    CreateInteractionResponseMessage::new()
        .content(format!("Next on {track}: Fearless concurrency"))
        .embed(embed)
        .components(vec![CreateActionRow::Buttons(vec![CreateButton::new(
            "more",
        )
        .label("More talks")])])
        .allowed_mentions(CreateAllowedMentions::new())
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, _ready: Ready) {
        Ids::FIXED
            .guild
            .set_commands(&ctx.http, commands())
            .await
            .expect("registering the test commands");
    }

    async fn message(&self, _ctx: Context, message: Message) {
        let _ = self.messages.send(message);
    }

    async fn reaction_add(&self, _ctx: Context, reaction: Reaction) {
        let _ = self.reactions.send(reaction);
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        if self.behaviour == Behaviour::Forward {
            let _ = self.tx.send(interaction);
            return;
        }
        match interaction {
            Interaction::Command(cmd) => {
                let track = cmd
                    .data
                    .options
                    .first()
                    .and_then(|o| o.value.as_str())
                    .unwrap_or("all tracks");
                let reply = CreateInteractionResponse::Message(next_reply(track));
                cmd.create_response(&ctx.http, reply)
                    .await
                    .expect("answering /next");
            }
            Interaction::Autocomplete(ac) => {
                let partial = ac
                    .data
                    .autocomplete()
                    .map(|a| a.value.to_owned())
                    .unwrap_or_default();
                let choices = TRACKS
                    .iter()
                    .filter(|t| t.starts_with(&partial))
                    .fold(CreateAutocompleteResponse::new(), |r, t| {
                        r.add_string_choice(*t, *t)
                    });
                ac.create_response(&ctx.http, CreateInteractionResponse::Autocomplete(choices))
                    .await
                    .expect("answering the autocomplete");
            }
            Interaction::Component(click) => {
                assert_eq!(click.data.custom_id, "more");
                let update = CreateInteractionResponseMessage::new()
                    .content("More talks: none")
                    .components(vec![]);
                click
                    .create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
                    .await
                    .expect("updating");
            }
            other => panic!("the test bot got an unexpected interaction: {other:?}"),
        }
    }
}

/// A running test bot.
pub struct Bot {
    /// serenity's HTTP client, as the bot uses it.
    pub http: Arc<Http>,
    /// Interactions handed over in [`Behaviour::Forward`].
    pub interactions: mpsc::UnboundedReceiver<Interaction>,
    /// MESSAGE_CREATE events the bot received.
    pub messages: mpsc::UnboundedReceiver<Message>,
    /// MESSAGE_REACTION_ADD events the bot received.
    pub reactions: mpsc::UnboundedReceiver<Reaction>,
    /// The bot's `client.start()`; ends with its result.
    pub task: JoinHandle<serenity::Result<()>>,
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// serenity's HTTP client for `mode`, with `token`.
pub fn http(fake: &FakeDiscord, mode: Mode, token: &str) -> Http {
    let builder = serenity::http::HttpBuilder::new(token).application_id(Ids::FIXED.application);
    match mode {
        Mode::Proxy => builder
            .proxy(fake.api_url())
            .ratelimiter_disabled(true)
            .build(),
        Mode::Tls => builder.client(fake.tls_client()).build(),
    }
}

/// Starts a serenity bot against the fake without waiting for it.
pub async fn spawn_bot(fake: &FakeDiscord, mode: Mode, behaviour: Behaviour, token: &str) -> Bot {
    let (tx, interactions) = mpsc::unbounded_channel();
    let (message_tx, messages) = mpsc::unbounded_channel();
    let (reaction_tx, reactions) = mpsc::unbounded_channel();
    let mut client = serenity::all::ClientBuilder::new_with_http(
        http(fake, mode, token),
        GatewayIntents::non_privileged(),
    )
    .event_handler(Handler {
        behaviour,
        tx,
        messages: message_tx,
        reactions: reaction_tx,
    })
    .await
    .expect("building the serenity client");
    let http = client.http.clone();
    let task = tokio::spawn(async move { client.start().await });
    Bot {
        http,
        interactions,
        messages,
        reactions,
        task,
    }
}

/// Starts a serenity bot and waits until it is READY with its commands registered.
pub async fn start_bot(fake: &FakeDiscord, mode: Mode, behaviour: Behaviour) -> Bot {
    let bot = spawn_bot(fake, mode, behaviour, fake.token()).await;
    fake.wait_for(|f| f.guild_commands().len() == commands().len(), PATIENCE)
        .await
        .expect("the bot registers its commands");
    bot
}

/// Receives the next interaction a forwarding bot got.
pub async fn next_interaction(bot: &mut Bot) -> Interaction {
    tokio::time::timeout(PATIENCE, bot.interactions.recv())
        .await
        .expect("the bot receives the interaction in time")
        .expect("the bot is running")
}

/// The HTTP status and Discord's error code of a refused request.
pub fn code(error: &serenity::Error) -> Option<(u16, isize)> {
    match error {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
            Some((r.status_code.as_u16(), r.error.code))
        }
        _ => None,
    }
}
