//! A synthetic but realistic program, for load tests and benchmarks (the `gen-program` binary).
//! It is test data, not part of the bot: a crate of its own that does not depend on confbot, so
//! confbot's tests and benches and the bench crates may all use it without a circle.
//!
//! The output is confbot JSON that imports cleanly: a conference in a real time zone
//! (America/Chicago, December, so no DST change), `tracks` parallel tracks with four 90-minute
//! sessions a day each, titles and abstracts of machine-learning length and vocabulary, one to
//! eight authors per talk drawn from a pool where some people author many papers. When a
//! session has more talks than fit one after another (at least 15 minutes each), it becomes a
//! poster session whose posters all span it, as at the large ML conferences.
//!
//! Word frequencies are shaped for search benchmarks: function words appear in nearly every
//! abstract, a few hundred domain words follow a Zipf law, a long tail of rare coined words
//! gives words found in a handful of talks, and "learning" appears in about 40% of talks
//! ([`LEARNING_SHARE`]), like at a real ML conference. Everything is drawn from one seeded
//! generator, so a seed always gives byte-identical output.

use std::io::Write;

use serde::Serialize;

/// The share of talks whose title or abstract contains "learning".
pub const LEARNING_SHARE: f64 = 0.4;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenOptions {
    pub talks: usize,
    pub days: u32,
    pub tracks: u32,
    pub seed: u64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            talks: 1000,
            days: 5,
            tracks: 10,
            seed: 1,
        }
    }
}

#[derive(Serialize)]
struct OutProgram {
    conference: OutConference,
    sessions: Vec<OutSession>,
}

#[derive(Serialize)]
struct OutConference {
    name: String,
    time_zone: &'static str,
    url: &'static str,
}

#[derive(Serialize)]
struct OutSession {
    id: String,
    title: String,
    track: String,
    room: String,
    start: String,
    end: String,
    moderators: Vec<String>,
    talks: Vec<OutTalk>,
}

#[derive(Serialize)]
struct OutTalk {
    id: String,
    title: String,
    kind: &'static str,
    start: String,
    end: String,
    speakers: Vec<String>,
    #[serde(rename = "abstract")]
    abstract_text: String,
    url: String,
}

/// Writes the program for `options` as confbot JSON.
pub fn write_program(options: &GenOptions, out: impl Write) -> anyhow::Result<()> {
    anyhow::ensure!(options.days >= 1, "--days must be at least 1");
    anyhow::ensure!(options.tracks >= 1, "--tracks must be at least 1");
    anyhow::ensure!(options.days <= 28, "--days must be at most 28");
    serde_json::to_writer(out, &generate(options))?;
    Ok(())
}

/// The program for `options`, as confbot JSON text.
pub fn program_json(options: &GenOptions) -> anyhow::Result<String> {
    let mut out = Vec::new();
    write_program(options, &mut out)?;
    Ok(String::from_utf8(out)?)
}

/// Session slots of a day, local time: (start, end) as (hour, minute).
const SLOTS: [((u32, u32), (u32, u32)); 4] = [
    ((9, 0), (10, 30)),
    ((11, 0), (12, 30)),
    ((14, 0), (15, 30)),
    ((16, 0), (17, 30)),
];
/// Shortest slot for a talk given one after another; more talks make a poster session.
const MIN_TALK_MINUTES: u32 = 15;

fn generate(options: &GenOptions) -> OutProgram {
    let mut rng = Rng::new(options.seed);
    let words = Words::new(&mut rng);
    let sessions_total = options.days as usize * options.tracks as usize * SLOTS.len();
    let mut sessions = Vec::with_capacity(sessions_total);
    let mut next_talk = 0usize;
    let mut session_index = 0usize;
    for day in 0..options.days {
        // Monday 11 December 2023 onwards, in New Orleans.
        let date = format!("2023-12-{:02}", 11 + day);
        for (slot, ((sh, sm), (eh, em))) in SLOTS.iter().enumerate() {
            for track in 0..options.tracks {
                // Spread the talks evenly; the first sessions take the remainder.
                let count = options.talks / sessions_total
                    + usize::from(session_index < options.talks % sessions_total);
                session_index += 1;
                let track_name = track_name(track);
                let start = format!("{date} {sh:02}:{sm:02}");
                let end = format!("{date} {eh:02}:{em:02}");
                let span = (eh * 60 + em) - (sh * 60 + sm);
                let posters = count > 0 && span / (count as u32) < MIN_TALK_MINUTES;
                let mut talks = Vec::with_capacity(count);
                for i in 0..count {
                    let (t_start, t_end, kind) = if posters {
                        (start.clone(), end.clone(), "poster")
                    } else {
                        let each = span / count as u32;
                        let from = sh * 60 + sm + each * i as u32;
                        let kind = if i == 0 && track == 0 {
                            "keynote"
                        } else if rng.chance(0.3) {
                            "spotlight"
                        } else {
                            "oral"
                        };
                        (clock(&date, from), clock(&date, from + each), kind)
                    };
                    talks.push(talk(&mut rng, &words, next_talk, t_start, t_end, kind));
                    next_talk += 1;
                }
                let title = if posters {
                    format!("Poster Session {}: {track_name}", slot + 1)
                } else {
                    format!("{track_name}: {}", words.title_phrase(&mut rng, 3))
                };
                let moderators = (0..rng.below(3)).map(|_| words.person(&mut rng)).collect();
                sessions.push(OutSession {
                    id: format!("d{}-{}-t{:02}", day + 1, slot + 1, track + 1),
                    title,
                    room: room_name(track),
                    track: track_name,
                    start,
                    end,
                    moderators,
                    talks,
                });
            }
        }
    }
    OutProgram {
        conference: OutConference {
            name: format!("Synthetic ML Conference ({} talks)", options.talks),
            time_zone: "America/Chicago",
            url: "https://example.org/conference",
        },
        sessions,
    }
}

fn clock(date: &str, minutes: u32) -> String {
    format!("{date} {:02}:{:02}", minutes / 60, minutes % 60)
}

fn talk(
    rng: &mut Rng,
    words: &Words,
    index: usize,
    start: String,
    end: String,
    kind: &'static str,
) -> OutTalk {
    let learning = rng.chance(LEARNING_SHARE);
    // Half of the "learning" talks say it in the title, all of them in the abstract.
    let in_title = learning && rng.chance(0.5);
    let title = words.title(rng, in_title);
    let abstract_text = words.abstract_text(rng, learning);
    let authors = 1 + [0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5, 7][rng.below(12)];
    let mut speakers: Vec<String> = Vec::with_capacity(authors);
    while speakers.len() < authors {
        let name = words.person(rng);
        if !speakers.contains(&name) {
            speakers.push(name);
        }
    }
    OutTalk {
        id: format!("paper-{index:05}"),
        title,
        kind,
        start,
        end,
        speakers,
        abstract_text,
        url: format!("https://example.org/papers/{index}"),
    }
}

const TRACKS: [&str; 12] = [
    "Deep Networks",
    "Reinforcement and Control",
    "Optimization",
    "Theory",
    "Computer Vision",
    "Natural Language Processing",
    "Probabilistic Methods",
    "Applications",
    "Social Aspects",
    "Neuroscience and Cognitive Science",
    "Graphs and Geometry",
    "Datasets and Benchmarks",
];

fn track_name(track: u32) -> String {
    let base = TRACKS[track as usize % TRACKS.len()];
    match track as usize / TRACKS.len() {
        0 => base.to_string(),
        n => format!("{base} {}", n + 1),
    }
}

fn room_name(track: u32) -> String {
    match track {
        0 => "Great Hall".to_string(),
        t => format!("Room {}", 200 + t),
    }
}

/// Function words: in nearly every abstract, as in real ones.
const GLUE: [&str; 24] = [
    "the", "of", "and", "a", "to", "in", "we", "that", "is", "for", "on", "with", "this", "by",
    "our", "are", "as", "an", "from", "which", "it", "can", "be", "these",
];
/// Verbs that start abstract sentences.
const VERBS: [&str; 16] = [
    "propose",
    "show",
    "introduce",
    "study",
    "present",
    "demonstrate",
    "analyze",
    "develop",
    "prove",
    "evaluate",
    "establish",
    "derive",
    "investigate",
    "achieve",
    "improve",
    "characterize",
];
/// Domain words, most frequent first (Zipf-weighted when drawn). "learning" is left out:
/// its share is set on purpose.
const DOMAIN: &[&str] = &[
    "model",
    "neural",
    "data",
    "network",
    "training",
    "models",
    "networks",
    "method",
    "methods",
    "performance",
    "approach",
    "results",
    "deep",
    "algorithm",
    "tasks",
    "representations",
    "problem",
    "distribution",
    "framework",
    "loss",
    "policy",
    "graph",
    "language",
    "image",
    "gradient",
    "optimization",
    "generalization",
    "robust",
    "adversarial",
    "reinforcement",
    "inference",
    "latent",
    "features",
    "efficient",
    "large",
    "transformer",
    "attention",
    "benchmark",
    "datasets",
    "supervised",
    "sample",
    "theoretical",
    "empirical",
    "bayesian",
    "stochastic",
    "convergence",
    "generative",
    "diffusion",
    "architecture",
    "prediction",
    "classification",
    "regression",
    "kernel",
    "estimation",
    "variational",
    "agents",
    "reward",
    "embedding",
    "contrastive",
    "pretrained",
    "fine",
    "tuning",
    "scaling",
    "sparse",
    "convolutional",
    "recurrent",
    "memory",
    "causal",
    "fairness",
    "privacy",
    "federated",
    "uncertainty",
    "calibration",
    "distillation",
    "pruning",
    "quantization",
    "bandits",
    "regret",
    "online",
    "offline",
    "exploration",
    "planning",
    "control",
    "dynamics",
    "equivariant",
    "geometric",
    "manifold",
    "spectral",
    "tensor",
    "matrix",
    "low",
    "rank",
    "bounds",
    "complexity",
    "statistical",
    "nonconvex",
    "descent",
    "momentum",
    "adaptive",
    "hyperparameter",
    "search",
    "meta",
    "continual",
    "transfer",
    "domain",
    "shift",
    "out",
    "detection",
    "segmentation",
    "video",
    "speech",
    "audio",
    "text",
    "retrieval",
    "question",
    "answering",
    "reasoning",
    "program",
    "synthesis",
    "molecular",
    "protein",
    "physics",
    "simulation",
    "time",
    "series",
    "forecasting",
    "anomaly",
    "clustering",
    "ranking",
    "recommendation",
    "interpretability",
    "explanations",
    "concept",
    "sparsity",
    "lottery",
    "ticket",
    "implicit",
    "bias",
    "overparameterized",
    "wide",
    "infinite",
    "width",
    "lazy",
    "regime",
    "feature",
    "mean",
    "field",
    "neurons",
    "spiking",
    "brain",
    "cortex",
    "hebbian",
    "plasticity",
    "multimodal",
    "vision",
    "visual",
    "grounding",
    "instruction",
    "alignment",
    "preference",
    "feedback",
    "human",
    "safety",
    "watermarking",
    "membership",
    "attack",
    "defense",
    "certified",
    "lipschitz",
    "smoothness",
    "normalization",
    "batch",
    "dropout",
    "regularization",
    "augmentation",
    "self",
    "unsupervised",
    "semi",
    "weakly",
    "labels",
    "noisy",
    "active",
    "curriculum",
    "tokens",
    "sequence",
    "autoregressive",
    "decoding",
    "sampling",
    "mcmc",
    "langevin",
    "score",
    "flow",
    "normalizing",
    "energy",
    "based",
    "hierarchical",
    "mixture",
    "experts",
    "routing",
    "compression",
    "communication",
    "distributed",
    "parallel",
    "hardware",
    "accelerators",
    "throughput",
    "latency",
    "cost",
    "scalable",
];
/// Syllables for coined rare words (method names, acronyms, places).
const SYLLABLES: [&str; 24] = [
    "ka", "zo", "ri", "mel", "tor", "vex", "qua", "lin", "dro", "fen", "gal", "hop", "jux", "nim",
    "pra", "sul", "tev", "ub", "wyn", "xer", "yol", "zep", "bri", "cor",
];
const FIRST_NAMES: [&str; 40] = [
    "Ada", "Alan", "Amara", "Ankit", "Bea", "Carlos", "Chen", "Dana", "Diego", "Elif", "Emma",
    "Farah", "Felix", "Grace", "Hana", "Ivan", "Jia", "Jonas", "Kai", "Kiana", "Lars", "Lena",
    "Luca", "Maya", "Mei", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sami", "Sofia", "Tariq",
    "Uma", "Victor", "Wei", "Xin", "Yara", "Yuki", "Zoe",
];
const LAST_NAMES: [&str; 60] = [
    "Zhang",
    "Wang",
    "Li",
    "Liu",
    "Chen",
    "Smith",
    "Müller",
    "Kumar",
    "Singh",
    "Kim",
    "Park",
    "Nguyen",
    "García",
    "Rossi",
    "Dubois",
    "Novak",
    "Kowalski",
    "Ivanova",
    "Haddad",
    "Okafor",
    "Mensah",
    "Tanaka",
    "Sato",
    "Suzuki",
    "Yamamoto",
    "Cohen",
    "Levi",
    "Silva",
    "Santos",
    "Costa",
    "Andersson",
    "Johansson",
    "Nielsen",
    "Hansen",
    "Virtanen",
    "Kovač",
    "Horvat",
    "Popescu",
    "Yilmaz",
    "Demir",
    "Ahmed",
    "Hassan",
    "Rahman",
    "Chowdhury",
    "Das",
    "Iyer",
    "Reddy",
    "Patel",
    "Shah",
    "Moreau",
    "Fischer",
    "Weber",
    "Becker",
    "Schulz",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Walker",
    "Courville",
    "Bengio",
];
/// Middle initials multiply the pool of people to about 40 × 60 × 27 names.
const INITIALS: &str = "ABCDEFGHJKLMNOPRSTVW";

/// The vocabulary and how to draw from it.
struct Words {
    /// Cumulative Zipf weights over `DOMAIN`.
    domain_cdf: Vec<f64>,
    /// Coined words (method names, acronyms), from fairly common to found in a few talks.
    rare: Vec<String>,
}

impl Words {
    fn new(rng: &mut Rng) -> Words {
        let mut total = 0.0;
        let domain_cdf = (0..DOMAIN.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        let rare = (0..50_000)
            .map(|_| {
                let n = 3 + rng.below(2);
                (0..n)
                    .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                    .collect()
            })
            .collect();
        Words { domain_cdf, rare }
    }

    fn domain(&self, rng: &mut Rng) -> &'static str {
        let total = *self.domain_cdf.last().expect("a vocabulary");
        let x = rng.unit() * total;
        let i = self.domain_cdf.partition_point(|&c| c < x);
        DOMAIN[i.min(DOMAIN.len() - 1)]
    }

    /// Squaring the draw makes the first coined words common and the last ones rare.
    fn rare(&self, rng: &mut Rng) -> &str {
        let skewed = rng.unit() * rng.unit();
        &self.rare[(skewed * self.rare.len() as f64) as usize]
    }

    /// Title words: half domain words, half coined ones, as real titles name their methods
    /// and objects with words that are rare across a conference.
    fn title_phrase(&self, rng: &mut Rng, n: usize) -> String {
        (0..n)
            .map(|_| {
                if rng.chance(0.5) {
                    capitalised(self.domain(rng))
                } else {
                    capitalised(self.rare(rng))
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn title(&self, rng: &mut Rng, learning: bool) -> String {
        let mut title = match rng.below(4) {
            0 => format!("{}: ", capitalised(self.rare(rng))),
            1 => "Towards ".to_string(),
            2 => "On the ".to_string(),
            _ => String::new(),
        };
        let n = 2 + rng.below(3);
        title.push_str(&self.title_phrase(rng, n));
        if learning {
            title.push_str(" Learning");
        }
        title.push_str(match rng.below(3) {
            0 => " for ",
            1 => " via ",
            _ => " with ",
        });
        let n = 2 + rng.below(3);
        title.push_str(&self.title_phrase(rng, n));
        title
    }

    fn abstract_text(&self, rng: &mut Rng, learning: bool) -> String {
        let sentences = 6 + rng.below(5);
        let learning_at = learning.then(|| rng.below(sentences));
        let mut text = String::with_capacity(1400);
        for s in 0..sentences {
            if s > 0 {
                text.push(' ');
            }
            let mut sentence = vec![
                if s == 0 { "In" } else { "We" }.to_string(),
                if s == 0 {
                    "this"
                } else {
                    VERBS[rng.below(VERBS.len())]
                }
                .to_string(),
            ];
            if s == 0 {
                sentence.push("work".into());
                sentence.push("we".into());
                sentence.push(VERBS[rng.below(VERBS.len())].into());
            }
            for _ in 0..10 + rng.below(12) {
                let word = match rng.below(20) {
                    0..=6 => GLUE[rng.below(GLUE.len())].to_string(),
                    7..=10 => self.rare(rng).to_string(),
                    _ => self.domain(rng).to_string(),
                };
                sentence.push(word);
            }
            if learning_at == Some(s) {
                let room = sentence.len() - 2;
                let at = 2 + rng.below(room);
                sentence.insert(at, "learning".into());
            }
            text.push_str(&sentence.join(" "));
            text.push('.');
        }
        text
    }

    fn person(&self, rng: &mut Rng) -> String {
        // Squaring the uniform draw favours the first names of each list: some people author
        // many papers, most few.
        let skewed = |rng: &mut Rng, n: usize| ((rng.unit() * rng.unit()) * n as f64) as usize;
        let first = FIRST_NAMES[rng.below(FIRST_NAMES.len())];
        let last = LAST_NAMES[skewed(rng, LAST_NAMES.len())];
        match rng.below(INITIALS.len() + 1) {
            0 => format!("{first} {last}"),
            i => format!("{first} {} {last}", &INITIALS[i - 1..i]),
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// SplitMix64: tiny, fast and the same on every platform, which is all a generator of test
/// data needs (and no dependency).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// What [`search_mix`] reads of a stored talk.
#[derive(Debug, Clone, Copy)]
pub struct TalkText<'a> {
    pub title: &'a str,
    /// The first speaker's name.
    pub speaker: &'a str,
}

/// The realistic search mix on a generated program, as attendees would search: words of a
/// title they half remember, a speaker's name, a method's name found in 2 to 6 titles, two
/// topics and a prefix. `talks` are the program's talks in the order confbot stores them. The
/// load bench and the search bench both measure on it.
pub fn search_mix(talks: &[TalkText<'_>]) -> Vec<String> {
    let mut mix = Vec::new();
    for i in [101, 12_345, 33_333] {
        let words: Vec<&str> = talks[i % talks.len()].title.split(' ').collect();
        mix.push(words[words.len().saturating_sub(2)..].join(" "));
    }
    for i in [7, 25_000] {
        mix.push(talks[i % talks.len()].speaker.to_string());
    }
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for talk in talks {
        for word in talk.title.split(|c: char| !c.is_alphanumeric()) {
            *counts.entry(word.to_lowercase()).or_default() += 1;
        }
    }
    let rare = counts
        .into_iter()
        .filter(|(w, n)| (2..=6).contains(n) && w.len() > 6)
        .map(|(w, _)| w);
    mix.extend(rare.take(2));
    mix.extend(["diffusion", "privacy", "gener"].map(String::from));
    mix
}

/// What an attendee types into `/talk`, one keystroke at a time: the benches autocomplete every
/// prefix of these ([`typed_prefixes`]).
pub const TYPED: [&str; 5] = [
    "transformer",
    "generalization",
    "we demonstrate",
    "graph neural",
    "kai zhang",
];

/// Every prefix of every [`TYPED`] phrase, from one letter.
pub fn typed_prefixes() -> Vec<&'static str> {
    TYPED
        .iter()
        .flat_map(|phrase| (1..=phrase.len()).map(move |n| &phrase[..n]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_program() {
        let options = |seed| GenOptions {
            talks: 300,
            days: 2,
            tracks: 3,
            seed,
        };
        let a = program_json(&options(7)).unwrap();
        assert_eq!(a, program_json(&options(7)).unwrap());
        assert_ne!(a, program_json(&options(8)).unwrap());
    }
}
