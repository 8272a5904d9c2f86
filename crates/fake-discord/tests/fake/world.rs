//! The fake's world as a bot sees it: components, pings, option resolution, messages from
//! users, thread members, pins and paging.

use fake_discord::{FakeDiscord, Ids};
use serde_json::json;
use serenity::all::{
    ActionRowComponent, ChannelType, ComponentInteractionDataKind, CreateActionRow,
    CreateAllowedMentions, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption, CreateThread, GetMessages, InputTextStyle,
    Interaction, ResolvedValue,
};

use crate::support::{next_interaction, start_bot, Behaviour, Mode, PATIENCE};

#[tokio::test]
async fn clicking_a_button_reaches_the_bot_and_its_update_edits_the_message() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;
    let ids = Ids::FIXED;
    let command = fake
        .send_command(ids.attendee, ids.general, "next", [])
        .await;
    let reply = command.response().await;
    assert_eq!((reply.embeds.len(), reply.components.len()), (1, 1));
    assert_eq!(
        reply.allowed_mentions.expect("set")["parse"],
        json!([]),
        "no pings"
    );
    let original = command
        .original()
        .expect("a message response has an original message");
    assert_eq!(
        fake.messages(ids.general)[0].id,
        original.id,
        "a public answer shows in the channel"
    );

    let click = fake.click(original.id, "more", ids.attendee).await;
    let update = click.response().await;

    assert_eq!(update.kind, 7);
    assert_eq!(
        fake.message(original.id).expect("still there").content,
        "More talks: none"
    );
    fake.assert_no_violations();
}

#[tokio::test]
async fn allowed_mentions_decide_who_is_pinged() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    let ids = Ids::FIXED;
    let content = format!("@everyone <@{}> <@&{}>", ids.attendee, ids.moderator_role);

    let silent = CreateMessage::new()
        .content(&content)
        .allowed_mentions(CreateAllowedMentions::new());
    let silent = ids
        .general
        .send_message(&http, silent)
        .await
        .expect("posted");
    assert!(
        !silent.mention_everyone && silent.mentions.is_empty() && silent.mention_roles.is_empty()
    );

    let one_role = CreateAllowedMentions::new().roles([ids.moderator_role]);
    let role_only = ids.general.send_message(
        &http,
        CreateMessage::new()
            .content(&content)
            .allowed_mentions(one_role),
    );
    let role_only = role_only.await.expect("posted");
    assert!(!role_only.mention_everyone && role_only.mentions.is_empty());
    assert_eq!(role_only.mention_roles, [ids.moderator_role]);

    let loud = ids
        .general
        .send_message(&http, CreateMessage::new().content(&content))
        .await
        .expect("posted");
    assert!(
        loud.mention_everyone,
        "without allowed_mentions everything pings"
    );
    assert_eq!(loud.mentions[0].id, ids.attendee);
}

#[tokio::test]
async fn user_options_come_with_resolved_users_and_members() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;
    let _ = fake
        .send_command(
            ids.attendee,
            ids.general,
            "whois",
            [("user", json!(ids.moderator.to_string()))],
        )
        .await;
    let Interaction::Command(cmd) = next_interaction(&mut bot).await else {
        panic!("a command")
    };
    let options = cmd.data.options();
    let ResolvedValue::User(user, member) = &options[0].value else {
        panic!("a user: {options:?}")
    };
    assert_eq!(user.id, ids.moderator);
    assert_eq!(member.expect("a guild member").roles, [ids.moderator_role]);
}

#[tokio::test]
async fn attachment_options_resolve_to_a_url_that_serves_the_file() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;
    let file = fake.upload("program.json", b"{\"sessions\": []}".to_vec());
    let _ = fake
        .send_command(
            ids.admin,
            ids.general,
            "upload",
            [("file", json!(file.to_string()))],
        )
        .await;
    let Interaction::Command(cmd) = next_interaction(&mut bot).await else {
        panic!("a command")
    };
    let options = cmd.data.options();
    let ResolvedValue::Attachment(attachment) = &options[0].value else {
        panic!("an attachment: {options:?}")
    };
    assert_eq!(
        (attachment.id, attachment.filename.as_str()),
        (file, "program.json")
    );
    assert_eq!(attachment.download().await.unwrap(), b"{\"sessions\": []}");
    fake.assert_no_violations();
}

#[tokio::test]
async fn user_messages_reach_the_bot_without_content_unless_it_is_mentioned() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;

    fake.post_as(ids.attendee, ids.general, "When is lunch?");
    let plain = next_message(&mut bot).await;
    assert_eq!(
        (plain.author.id, plain.content.as_str()),
        (ids.attendee, ""),
        "MESSAGE_CONTENT is privileged"
    );

    fake.post_as(
        ids.attendee,
        ids.general,
        &format!("<@{}> when is lunch?", ids.bot),
    );
    let mention = next_message(&mut bot).await;
    assert!(mention.content.ends_with("when is lunch?"));
    assert_eq!(fake.messages(ids.general).len(), 2);
}

async fn next_message(bot: &mut crate::support::Bot) -> serenity::all::Message {
    tokio::time::timeout(PATIENCE, bot.messages.recv())
        .await
        .expect("in time")
        .expect("running")
}

#[tokio::test]
async fn thread_members_pins_typing_and_paging() {
    let fake = FakeDiscord::start().await;
    let http = fake.proxy_http();
    let ids = Ids::FIXED;
    let thread = ids
        .questions
        .create_thread(&http, CreateThread::new("Q&A"))
        .await
        .expect("a thread");
    assert_eq!(thread.kind, ChannelType::PrivateThread);
    thread
        .id
        .add_thread_member(&http, ids.moderator)
        .await
        .expect("added");
    assert_eq!(fake.thread_members(thread.id), [ids.bot, ids.moderator]);

    let mut posted = Vec::new();
    for n in 0..4 {
        let m = thread
            .id
            .send_message(&http, CreateMessage::new().content(format!("#{n}")))
            .await
            .expect("sent");
        posted.push(m.id);
    }
    thread.id.broadcast_typing(&http).await.expect("typing");
    thread.id.pin(&http, posted[0]).await.expect("pinned");
    assert_eq!(thread.id.pins(&http).await.expect("pins")[0].id, posted[0]);

    let newest_two = thread
        .id
        .messages(&http, GetMessages::new().limit(2))
        .await
        .expect("a page");
    assert_eq!(
        newest_two.iter().map(|m| m.id).collect::<Vec<_>>(),
        [posted[3], posted[2]]
    );
    let after_first = thread
        .id
        .messages(&http, GetMessages::new().after(posted[0]).limit(2))
        .await
        .expect("a page");
    assert_eq!(
        after_first.iter().map(|m| m.id).collect::<Vec<_>>(),
        [posted[2], posted[1]]
    );
    assert_eq!(fake.violations().len(), 0, "{:#?}", fake.violations());
}

#[tokio::test]
async fn a_select_menu_pick_reaches_the_bot_with_its_values() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;
    let options = vec![
        CreateSelectMenuOption::new("Rust", "rust"),
        CreateSelectMenuOption::new("Python", "python"),
    ];
    let menu = CreateSelectMenu::new("track", CreateSelectMenuKind::String { options });
    let posted = ids
        .general
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("Pick a track")
                .select_menu(menu),
        )
        .await
        .expect("posted");

    let pick = fake
        .select(posted.id, "track", &["python"], ids.attendee)
        .await;
    let Interaction::Component(chosen) = next_interaction(&mut bot).await else {
        panic!("a component")
    };
    let ComponentInteractionDataKind::StringSelect { values } = &chosen.data.kind else {
        panic!("a select")
    };
    assert_eq!(values, &["python"]);
    chosen.defer(&bot.http).await.expect("a deferred update");
    assert_eq!(pick.response().await.kind, 6);
    fake.assert_no_violations();
}

#[tokio::test]
async fn a_modal_opened_by_the_bot_is_submitted_back_to_it() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;
    let command = fake
        .send_command(ids.attendee, ids.questions, "next", [])
        .await;
    let Interaction::Command(cmd) = next_interaction(&mut bot).await else {
        panic!("a command")
    };
    let input = CreateInputText::new(InputTextStyle::Paragraph, "Your question", "question");
    let modal = CreateModal::new("ask", "Ask the speaker")
        .components(vec![CreateActionRow::InputText(input)]);
    cmd.create_response(&bot.http, CreateInteractionResponse::Modal(modal))
        .await
        .expect("a modal");

    let submitted = fake
        .submit_modal(&command, [("question", "Why Rust?")])
        .await;
    let Interaction::Modal(form) = next_interaction(&mut bot).await else {
        panic!("a modal submit")
    };
    assert_eq!(form.data.custom_id, "ask");
    let ActionRowComponent::InputText(text) = &form.data.components[0].components[0] else {
        panic!("a text")
    };
    assert_eq!(text.value.as_deref(), Some("Why Rust?"));
    let thanks = CreateInteractionResponseMessage::new()
        .content("Thanks!")
        .ephemeral(true);
    form.create_response(&bot.http, CreateInteractionResponse::Message(thanks))
        .await
        .expect("answered");
    assert!(submitted.response().await.is_ephemeral());
    fake.assert_no_violations();
}

#[tokio::test]
async fn the_bot_sees_its_own_messages_and_new_members_only_with_the_intents_for_them() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Answer).await;
    let ids = Ids::FIXED;
    let posted = ids
        .general
        .send_message(&bot.http, CreateMessage::new().content("Doors open"))
        .await
        .expect("posted");
    let echoed = next_message(&mut bot).await;
    assert_eq!(
        (echoed.id, echoed.content.as_str()),
        (posted.id, "Doors open"),
        "own content is never hidden"
    );

    let before = fake.gateway_stats().dispatches;
    let newcomer = fake.add_member("nina_newcomer", &[]);
    assert_eq!(
        fake.gateway_stats().dispatches,
        before,
        "GUILD_MEMBER_ADD needs the privileged GUILD_MEMBERS intent"
    );
    fake.post_as(newcomer, ids.general, "hi all");
    let greeting = next_message(&mut bot).await;
    assert_eq!(greeting.author.id, newcomer);
}

#[tokio::test]
async fn a_users_reaction_reaches_the_bot_and_counts_on_the_message() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, Mode::Proxy, Behaviour::Forward).await;
    let ids = Ids::FIXED;
    let question = fake.post_as(
        ids.attendee,
        ids.questions,
        "How does the borrow checker work?",
    );

    fake.react_as(ids.moderator, question.id, "👍");

    let reaction = tokio::time::timeout(PATIENCE, bot.reactions.recv())
        .await
        .expect("in time")
        .expect("running");
    assert_eq!(
        (reaction.user_id, reaction.message_id),
        (Some(ids.moderator), question.id)
    );
    assert!(reaction.emoji.unicode_eq("👍"));
    let counted = fake.message(question.id).expect("still there");
    assert_eq!(
        (counted.reactions[0].count, counted.reactions[0].me),
        (1, false)
    );
}
