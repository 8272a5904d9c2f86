//! The book of recent long lists: what a press of a list's Previous / Next button needs, kept
//! in one bounded place instead of a collector and a task per reply (a collector is a filter
//! serenity runs against every gateway event; thousands of `/search` replies in a burst held
//! hundreds of MB and made every event scan thousands of filters, `docs/PERFORMANCE.md`).
//!
//! A list is kept as its *recipe*: the command's arguments and the instant it was asked, as a
//! closure that computes the reply again, with who asked and how many fields go on a page. A
//! press recomputes the reply and shows the page it asks for. Why not the pages themselves: a
//! search's pages are every title, name and instant of up to 50 talks as typed parts (the
//! collectors holding them left the bot at 520 MB after the load bench's 2,790 searches; it is
//! 100 MB without them), so the memory a bound can allow would hold few lists, seconds of a
//! keynote's searches. A recipe is a few hundred bytes, so the book holds every list of the
//! last quarter hour of a large conference in a few MB. A press costs what asking again costs
//! (one search at most), which only the few who page pay. Why not SQLite: a row per long list
//! would be a write through the one writing connection for most searches of a burst, to
//! survive restarts that a list may as well not survive (a press then says it expired).
//! Recomputed for the instant it was asked, a `/next` pages through the list it showed; a
//! program reloaded meanwhile shows its new state, as any answer would.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::commands::CommandResult;
use crate::ids::{InteractionId, UserId};
use crate::store::Store;

/// How long a list's buttons turn its pages. A press answers with its own token, so this is a
/// choice, not Discord's 15-minute limit: a quarter hour, as the README has always said, after
/// which what `/next` or `/now` listed is stale and is better asked again.
pub const KEEP_FOR: Duration = Duration::from_secs(15 * 60);

/// How many lists are kept at most, the oldest forgotten first. A recipe is the command's
/// arguments (a search query is at most 200 characters) and a few numbers: with its map entry
/// about 300 bytes, so 20,000 lists are about 6 MB. That holds a quarter hour of 1,300 long
/// lists a minute, more than a tenth of a 30,000-person conference searching after a keynote; a
/// burst faster than that forgets its oldest lists early. (Replies sent whole, the admin
/// commands' rare long lists, keep the reply itself: a few KB each.)
pub const MAX_LISTS: usize = 20_000;

/// Computes a list's reply again.
pub type Recipe = Arc<dyn Fn(&Store) -> CommandResult + Send + Sync>;

/// A long list as the book keeps it.
#[derive(Clone)]
pub struct List {
    /// Who asked: the only one who may turn its pages.
    pub owner: UserId,
    /// Fields per page, as it was sent.
    pub per_page: usize,
    pub recipe: Recipe,
}

/// What a press finds.
pub enum Found {
    /// The list, for its owner.
    List(List),
    /// Someone else's list.
    NotYours,
    /// No such list: forgotten (too old, or the book was full) or from before a restart.
    Gone,
}

/// Recent long lists, by the interaction of the command that sent them.
pub struct Book {
    max_lists: usize,
    keep_for: Duration,
    shelf: Mutex<Shelf>,
}

#[derive(Default)]
struct Shelf {
    lists: HashMap<InteractionId, List>,
    /// Oldest first, with when each was kept.
    order: VecDeque<(InteractionId, Instant)>,
}

impl Default for Book {
    fn default() -> Book {
        Book::new(MAX_LISTS, KEEP_FOR)
    }
}

impl Book {
    pub fn new(max_lists: usize, keep_for: Duration) -> Book {
        Book {
            max_lists,
            keep_for,
            shelf: Mutex::default(),
        }
    }

    /// Keeps the list that `command` sent at `now`, forgetting the oldest if the book is full.
    pub fn keep(&self, command: InteractionId, list: List, now: Instant) {
        let mut shelf = self.shelf();
        self.forget_expired(&mut shelf, now);
        if shelf.lists.insert(command, list).is_none() {
            shelf.order.push_back((command, now));
        }
        while shelf.lists.len() > self.max_lists {
            let Some((oldest, _)) = shelf.order.pop_front() else {
                break;
            };
            shelf.lists.remove(&oldest);
        }
    }

    /// The list `command` sent, as `user` pressing one of its buttons at `now` may see it.
    pub fn find(&self, command: InteractionId, user: UserId, now: Instant) -> Found {
        let mut shelf = self.shelf();
        self.forget_expired(&mut shelf, now);
        match shelf.lists.get(&command) {
            None => Found::Gone,
            Some(list) if list.owner != user => Found::NotYours,
            Some(list) => Found::List(list.clone()),
        }
    }

    /// Lists are kept in time order, so the expired ones are at the front. Their memory goes at
    /// the next list kept or the next press: until then the count bounds it.
    fn forget_expired(&self, shelf: &mut Shelf, now: Instant) {
        while let Some(&(oldest, at)) = shelf.order.front() {
            if now.saturating_duration_since(at) < self.keep_for {
                break;
            }
            shelf.order.pop_front();
            shelf.lists.remove(&oldest);
        }
    }

    fn shelf(&self) -> std::sync::MutexGuard<'_, Shelf> {
        // Nothing panics while holding it; a poisoned shelf is still a consistent one.
        self.shelf
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Reply;

    const ASKER: UserId = UserId(7);

    fn list() -> List {
        List {
            owner: ASKER,
            per_page: 5,
            recipe: Arc::new(|_| Ok(Reply::new("a list"))),
        }
    }

    fn kept(book: &Book, command: u64, now: Instant) -> bool {
        matches!(
            book.find(InteractionId(command), ASKER, now),
            Found::List(_)
        )
    }

    #[test]
    fn a_full_book_forgets_its_oldest_list_whose_press_then_finds_it_gone() {
        let book = Book::new(2, KEEP_FOR);
        let t0 = Instant::now();
        for (command, after) in [(1, 0), (2, 1), (3, 2)] {
            book.keep(
                InteractionId(command),
                list(),
                t0 + Duration::from_secs(after),
            );
        }
        let now = t0 + Duration::from_secs(3);
        assert!(matches!(
            book.find(InteractionId(1), ASKER, now),
            Found::Gone
        ));
        assert!(kept(&book, 2, now) && kept(&book, 3, now));
    }

    #[test]
    fn a_list_is_kept_for_a_quarter_hour_and_only_its_owner_turns_it() {
        let book = Book::default();
        let t0 = Instant::now();
        book.keep(InteractionId(1), list(), t0);
        book.keep(InteractionId(2), list(), t0 + Duration::from_secs(60));
        assert!(matches!(
            book.find(InteractionId(1), UserId(8), t0),
            Found::NotYours
        ));
        let almost = t0 + KEEP_FOR - Duration::from_millis(1);
        assert!(kept(&book, 1, almost));
        let expired = t0 + KEEP_FOR;
        assert!(matches!(
            book.find(InteractionId(1), ASKER, expired),
            Found::Gone
        ));
        assert!(kept(&book, 2, expired), "a younger list stays");
        assert_eq!(book.shelf().lists.len(), 1, "the expired list is forgotten");
    }
}
