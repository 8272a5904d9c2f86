//! A core [`Reply`] as serenity builders. The reply has already been fitted to Discord's limits
//! (`Reply::pages`), measured on its Discord text ([`Text::discord`]: program text escaped,
//! instants as `<t:…>` timestamps, channels, users and roles as mentions); here it only changes
//! shape. Every message built here allows no mentions, so a talk titled `@everyone` pings nobody.

use poise::serenity_prelude as serenity;
use serenity::{
    ActionRow, ActionRowComponent, ButtonKind, ButtonStyle, ComponentType, CreateActionRow,
    CreateAllowedMentions, CreateButton, CreateEmbed, CreateEmbedFooter, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateSelectMenu, CreateSelectMenuKind,
    CreateSelectMenuOption, SelectMenu,
};

use crate::domain::agenda::Action;
use crate::reply::{limits, PageTurn, Reply, Text};

/// confbot's embed colour.
const COLOUR: u32 = 0x3b82f6;

/// A press's or a modal's answer as one private embed (a "Remind me", a rating, a comment).
pub fn private_embed(reply: &Reply) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .embed(embed(&reply.fitted()))
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
}

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
pub struct Navigation {
    pub page: usize,
    pub pages: usize,
    pub previous_id: String,
    pub next_id: String,
}

/// The reply's link buttons, its action buttons in rows of their own, a "Remind me about…"
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
    // Discord takes at most five buttons to a row: more actions (a 1–5 rating and "Comment")
    // continue on the next row.
    let actions = reply.actions.chunks(limits::BUTTONS_PER_ROW).map(|chunk| {
        CreateActionRow::Buttons(
            chunk
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
    let extra = actions.chain(pick).collect::<Vec<_>>();
    rows.truncate(limits::ACTION_ROWS - extra.len() - usize::from(navigation.is_some()));
    rows.extend(extra);
    if let Some(nav) = navigation {
        rows.truncate(limits::ACTION_ROWS - 1);
        rows.push(CreateActionRow::Buttons(vec![
            CreateButton::new(&nav.previous_id)
                .label("Previous")
                .style(ButtonStyle::Secondary)
                .disabled(nav.page == 0),
            CreateButton::new(&nav.next_id)
                .label("Next")
                .style(ButtonStyle::Secondary)
                .disabled(nav.page + 1 >= nav.pages),
        ]));
    }
    rows
}

/// A message's components as they are, without its page buttons: what a list no longer kept
/// keeps (its links and "Remind me about…" menu work without the list). confbot's lists carry
/// buttons and string menus only; anything else is left out.
pub fn without_page_buttons(rows: &[ActionRow]) -> Vec<CreateActionRow> {
    rows.iter()
        .filter_map(|row| {
            let mut buttons = Vec::new();
            for component in &row.components {
                match component {
                    ActionRowComponent::Button(button) => {
                        let turns_pages = matches!(&button.data,
                            ButtonKind::NonLink { custom_id, .. } if PageTurn::parse(custom_id).is_some());
                        if !turns_pages {
                            buttons.push(CreateButton::from(button.clone()));
                        }
                    }
                    ActionRowComponent::SelectMenu(menu) => {
                        return string_menu(menu).map(CreateActionRow::SelectMenu)
                    }
                    _ => {}
                }
            }
            (!buttons.is_empty()).then_some(CreateActionRow::Buttons(buttons))
        })
        .collect()
}

fn string_menu(menu: &SelectMenu) -> Option<CreateSelectMenu> {
    if menu.kind != ComponentType::StringSelect {
        return None;
    }
    let options = menu
        .options
        .iter()
        .map(|o| {
            let option =
                CreateSelectMenuOption::new(&o.label, &o.value).default_selection(o.default);
            match &o.description {
                Some(description) => option.description(description),
                None => option,
            }
        })
        .collect();
    let mut rebuilt = CreateSelectMenu::new(
        menu.custom_id.clone()?,
        CreateSelectMenuKind::String { options },
    )
    .disabled(menu.disabled);
    if let Some(placeholder) = &menu.placeholder {
        rebuilt = rebuilt.placeholder(placeholder);
    }
    if let Some(min) = menu.min_values {
        rebuilt = rebuilt.min_values(min);
    }
    if let Some(max) = menu.max_values {
        rebuilt = rebuilt.max_values(max);
    }
    Some(rebuilt)
}

/// No pings, whatever the text says.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}
