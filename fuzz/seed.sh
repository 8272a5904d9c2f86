#!/bin/sh
# Fills corpus/<target>/ with seeds from tests/fixtures/ and data/ (small files, or the head of
# a large one). Importer targets read their options from the first byte, so each file is seeded
# twice: 0x02 (Europe/Berlin, year 2021) and 0x11 (UTC, year 2024, no conference name).
set -eu
cd "$(dirname "$0")"
F=../tests/fixtures
M=$F/miniconf-sigdial-inlg-2023
seed() { # target name file...
    target=$1 name=$2
    shift 2
    mkdir -p "corpus/$target"
    cat "$@" > "corpus/$target/$name"
}
import_seed() { # target file
    for byte in 002 021; do
        mkdir -p "corpus/$1"
        { printf "\\$byte"; cat "$2"; } > "corpus/$1/$(basename "$2").$byte"
    done
}
import_seed import_page ../data/iclr2021-tue-4-may.txt
{ printf '\002'; cat ../data/iclr2021-tue-4-may.txt; printf '\377'; cat ../data/iclr2021-tue-4-may.titles.txt; } \
    > corpus/import_page/iclr2021-with-titles
import_seed import_json ../data/iclr2021-tue-4-may.json
import_seed import_frab $F/frab-edge-cases.json
import_seed import_frab $F/pretalx-democon.json
import_seed import_schedule_v2 $F/eventfahrplan-v2-minor.json
import_seed import_pentabarf $F/pretalx-democon-2022.xml
import_seed import_ical $F/pretalx-democon-2022.ics
import_seed import_sessionize $F/sessionize-all.json
for f in ../data/iclr2021-tue-4-may.txt ../data/iclr2021-tue-4-may.json $F/frab-edge-cases.json \
    $F/eventfahrplan-v2-minor.json $F/pretalx-democon-2022.xml $F/pretalx-democon-2022.ics \
    $F/sessionize-all.json $M/config.yml; do
    seed detect "$(basename "$f")" "$f"
done
# MiniConf: calendar, 0xFF, the first 40 lines of papers.csv, 0xFF, config.yml.
mkdir -p corpus/import_miniconf
{
    printf '\002'
    cat $M/main_calendar.json
    printf '\377'
    head -n 40 $M/papers.csv
    printf '\377'
    cat $M/config.yml
} > corpus/import_miniconf/sigdial-inlg-2023
seed fts_query words ../data/iclr2021-tue-4-may.titles.txt
printf 'a OR b* -c NEAR(d) title: "x' > corpus/fts_query/operators
mkdir -p corpus/duration corpus/leads corpus/agenda_action corpus/qa_press
printf '1h30m' > corpus/duration/combined
printf '90s' > corpus/duration/seconds
printf '10m,0m' > corpus/leads/default
printf ' 1h , 10m,10m ' > corpus/leads/repeated
for id in agenda:remind:t-1 agenda:session:orals-1 agenda:remove agenda:pause agenda:resume \
    agenda:ics agenda:forget agenda:pick; do
    printf '%s' "$id" > "corpus/agenda_action/$(echo "$id" | tr : _)"
done
printf 'qa:vote:12' > corpus/qa_press/vote
printf 'qa:answered:12:5' > corpus/qa_press/answered
mkdir -p corpus/page_turn
printf 'page:1180000000000000001:2:search' > corpus/page_turn/search
printf 'page:12:0:announce pending' > corpus/page_turn/subcommand
