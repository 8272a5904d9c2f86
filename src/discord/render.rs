//! A core [`Reply`] as serenity builders. The reply has already been fitted to Discord's limits
//! (`Reply::pages`), measured on its Discord text ([`Text::discord`]: program text escaped,
//! instants as `<t:…>` timestamps, channels, users and roles as mentions); here it only changes
//! shape. Every message built here allows no mentions, so a talk titled `@everyone` pings nobody.

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption,
};

use crate::agenda::Action;
use crate::reply::{limits, Reply, Text};

/// confbot's embed colour.
const COLOUR: u32 = 0x3b82f6;

pub fn embed(reply: &Reply) -> CreateEmbed {
    let mut embed = CreateEmbed::new()
        .colour(COLOUR)
        .title(reply.title.discord());
    if !reply.description.is_empty() {
        embed = embed.description(reply.description.discord());
    }
    if let Some(url) = &reply.url {
        embed = embed.url(url);
    }
    embed = embed.fields(
        reply
            .fields
            .iter()
            .map(|f| (f.name.discord(), f.value.discord(), f.inline)),
    );
    if let Some(footer) = &reply.footer {
        embed = embed.footer(CreateEmbedFooter::new(footer.discord()));
    }
    embed
}

/// A message's content line, cut to Discord's limit (it carries program text: cut it rather
/// than be refused).
pub fn content(text: &Text) -> String {
    text.truncated(limits::CONTENT).discord()
}

/// Which page of how many, and the custom ids of the Previous / Next buttons.
pub struct Navigation<'a> {
    pub page: usize,
    pub pages: usize,
    pub previous_id: &'a str,
    pub next_id: &'a str,
}

/// The reply's link buttons, its action buttons in a row of their own, a "Remind me about…"
/// menu of the talks its fields are about, then Previous / Next if it has pages.
pub fn components(reply: &Reply, navigation: Option<&Navigation>) -> Vec<CreateActionRow> {
    let talks = reply.talks(limits::SELECT_OPTIONS);
    let pick = (!talks.is_empty()).then(|| {
        let options = talks
            .iter()
            .map(|t| CreateSelectMenuOption::new(&t.name, &t.value))
            .collect();
        CreateActionRow::SelectMenu(
            CreateSelectMenu::new(
                Action::Pick.custom_id(),
                CreateSelectMenuKind::String { options },
            )
            .placeholder("Remind me about…")
            .min_values(1)
            .max_values(talks.len() as u8),
        )
    });
    let actions = (!reply.actions.is_empty()).then(|| {
        CreateActionRow::Buttons(
            reply
                .actions
                .iter()
                .map(|a| {
                    CreateButton::new(&a.custom_id)
                        .label(&a.label)
                        .style(ButtonStyle::Primary)
                })
                .collect(),
        )
    });
    let mut rows: Vec<CreateActionRow> = reply
        .buttons
        .chunks(limits::BUTTONS_PER_ROW)
        .map(|chunk| {
            CreateActionRow::Buttons(
                chunk
                    .iter()
                    .map(|b| CreateButton::new_link(&b.url).label(&b.label))
                    .collect(),
            )
        })
        .collect();
    let extra = [actions, pick].into_iter().flatten().collect::<Vec<_>>();
    rows.truncate(limits::ACTION_ROWS - extra.len() - usize::from(navigation.is_some()));
    rows.extend(extra);
    if let Some(nav) = navigation {
        rows.truncate(limits::ACTION_ROWS - 1);
        rows.push(CreateActionRow::Buttons(vec![
            CreateButton::new(nav.previous_id)
                .label("Previous")
                .style(ButtonStyle::Secondary)
                .disabled(nav.page == 0),
            CreateButton::new(nav.next_id)
                .label("Next")
                .style(ButtonStyle::Secondary)
                .disabled(nav.page + 1 >= nav.pages),
        ]));
    }
    rows
}

/// No pings, whatever the text says.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}
