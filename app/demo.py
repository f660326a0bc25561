"""`make demo`: a workshop already full of notes, in the words of the Värnamo, Borlänge and
Karlstad articles, so a newcomer sees every board at once; and a follow-up workshop, in its
review stage, of an earlier one whose action plan was filled in. Prints the links."""

import argparse
from datetime import date, timedelta

from app.config import get_settings
from app.db import reading
from app.links import workshop_urls
from app.migrations import upgrade_to_head
from app.models import Stage
from app.services import followup, items, uow, workshops
from app.services.auth import Principal, Role

# focus area → [(observation, [(cause, [action, …]), …]), …]
BOARD: dict[str, list[tuple[str, list[tuple[str, list[str]]]]]] = {
    "Narkotika": [
        (
            "Öppen droghandel vid resecentrum på kvällarna",
            [
                (
                    "Få vuxna ute på kvällstid runt resecentrum",
                    [
                        "Föräldravandringar fredag och lördag kväll",
                        "Fler kameror vid resecentrum och torget",
                    ],
                ),
            ],
        ),
        (
            "Narkotika säljs till unga via sociala medier",
            [
                (
                    "Unga rekryteras som springpojkar via sociala medier",
                    ["Föräldraträffar om droger och sociala medier i skolan"],
                ),
            ],
        ),
        (
            "Drogkontroller på skolor har hittat cannabis",
            [
                (
                    "Efterfrågan ökar när fler unga använder",
                    ["Droghundar och drogkontroller på utvalda skolor"],
                )
            ],
        ),
    ],
    "Otrygghet": [
        (
            "Skjutningar mitt på blanka förmiddagen i Kronoparken",
            [
                (
                    "Konflikter mellan kriminella nätverk",
                    [
                        "Förstärkt polisiär närvaro: områdespoliser på plats",
                        "Intensifiera avhopparverksamheten",
                    ],
                ),
            ],
        ),
        (
            "Äldre undviker centrum efter mörkrets inbrott",
            [
                (
                    "Dålig belysning och skymda platser i gångtunnlar",
                    [
                        "Bättre belysning i gångtunnlar och på torget",
                        "Ordningsvakter på fler platser",
                    ],
                ),
            ],
        ),
        ("Rån mot unga vid busstationen", []),
    ],
    "Otillåten påverkan": [
        (
            "Hot mot personal på socialtjänsten",
            [
                (
                    "Personal vet inte hur hot ska rapporteras",
                    ["Gemensam rutin med polisen för att rapportera hot mot personal"],
                ),
            ],
        ),
        (
            "Påtryckningar mot handläggare i bygglovsärenden",
            [
                (
                    "Kriminella nätverk försöker ta sig in i upphandlingar och tillstånd",
                    ["Granska tillstånd för alkoholservering, bygglov och upphandlingar"],
                ),
            ],
        ),
        (
            "Olovlig andrahandsuthyrning i allmännyttans bostäder",
            [
                (
                    "Bidragsfusk och svartuthyrning ger nätverken pengar",
                    [
                        "Samverkan mot bidragsfusk: kommunen, Försäkringskassan, "
                        "Skatteverket och Kronofogden",
                        "Bostadsbolaget intensifierar arbetet mot olovlig andrahandsuthyrning",
                    ],
                ),
            ],
        ),
    ],
}

PEOPLE = [
    ("Håkan", "Polisen"),
    ("Ulf", "Kommunen"),
    ("Camilla", "Polisen"),
    ("Sara", "Socialtjänsten"),
    ("Ahmed", "Skolan"),
    ("Lena", "Bostadsbolaget"),
    (None, "Fritidsgården"),
    (None, "Räddningstjänsten"),
    ("Jonas", "Kommunen"),
    (None, None),
]


# The earlier workshop's action plan (Brå's columns): action → organization, person, contact,
# operational goal, indicator, status, follow-up colour, follow-up note.
PLAN: dict[str, tuple[str, str, str, str, str, str, str, str]] = {
    "Föräldravandringar fredag och lördag kväll": (
        "Kommunen",
        "Fritidsgården",
        "fritid@kommun.example",
        "Vuxna ute runt resecentrum varje fredag och lördag kväll",
        "Antal kvällar med vandring per månad; polisens lägesbild för centrum",
        "in_progress",
        "green",
        "Vandringar varannan helg sedan mars, tolv föräldrar med.",
    ),
    "Förstärkt polisiär närvaro: områdespoliser på plats": (
        "Polisen",
        "Lokalpolisområdet",
        "",
        "Områdespoliser i Kronoparken fyra kvällar i veckan",
        "Antal pass per vecka; trygghetsmätningen",
        "in_progress",
        "yellow",
        "Två av fyra kvällar bemannade under sommaren.",
    ),
    "Bättre belysning i gångtunnlar och på torget": (
        "Kommunen",
        "Tekniska förvaltningen",
        "teknik@kommun.example",
        "Alla gångtunnlar i centrum belysta före vintern",
        "Antal åtgärdade tunnlar av tolv",
        "planned",
        "red",
        "Budgeten räcker inte i år; frågan går till kommunstyrelsen.",
    ),
    "Gemensam rutin med polisen för att rapportera hot mot personal": (
        "Tillsammans",
        "Socialtjänsten och polisen",
        "",
        "En rutin som all personal känner till",
        "Andel anställda som gått genomgången",
        "done",
        "green",
        "Rutinen antogs i maj och alla enheter har gått igenom den.",
    ),
}


def make_demo(
    stage: str = Stage.actions, title: str | None = None, base: str = "http://localhost:8000"
) -> dict[str, str]:
    return _filled(stage, title or "Tillsammans för ett tryggare Värnamo", base)[1]


def make_follow_up_demo(
    base: str = "http://localhost:8000",
) -> tuple[dict[str, str], dict[str, str]]:
    """An earlier workshop with its action plan filled in and followed up, and a follow-up
    workshop of it in the review stage; returns (earlier's links, follow-up's links)."""
    earlier, earlier_urls = _filled(
        Stage.closed,
        "Tillsammans för ett tryggare Värnamo – våren",
        base,
        workshop_date=date.today() - timedelta(days=180),
    )
    workshop_id = earlier.workshop.id
    assert workshop_id is not None
    facilitator = Principal(Role.facilitator, workshop_id)
    owners = Principal(Role.followup, workshop_id)
    with reading() as session:
        actions = items.list_items(session, facilitator, workshop_id, kind="action")
    for view in actions:
        plan = PLAN.get(view.item.text)
        if plan is None:
            continue
        org, person, contact, goal, indicator, status, colour, note = plan
        uow.run(
            items.update_item,
            facilitator,
            view.id,
            items.ItemPatch(
                shortlisted=True,
                owner_organization=org,
                owner_person=person,
                owner_contact=contact or None,
                goal=goal,
                indicator=indicator,
                due_date=(date.today() + timedelta(days=120)).isoformat(),
            ),
            via="page",
        )
        uow.run(
            items.update_item,
            owners,
            view.id,
            items.ItemPatch(status=status, follow_up=colour, follow_up_note=note),
            via="page",
        )
    follow_up = uow.run(
        workshops.create_workshop,
        workshops.WorkshopInput(
            title="",
            follows=followup.Follows(workshop_id, earlier.followup_token),
        ),
    )
    assert follow_up.workshop.id is not None
    uow.run(
        workshops.set_stage,
        Principal(Role.facilitator, follow_up.workshop.id),
        follow_up.workshop.id,
        Stage.review,
    )
    return earlier_urls, workshop_urls(base, follow_up)


def _filled(
    stage: str, title: str, base: str, workshop_date: date | None = None
) -> tuple[workshops.CreatedWorkshop, dict[str, str]]:
    created = uow.run(
        workshops.create_workshop,
        workshops.WorkshopInput(title=title, workshop_date=workshop_date),
    )
    workshop_id = created.workshop.id
    assert workshop_id is not None
    facilitator = Principal(Role.facilitator, workshop_id)
    for name, org in PEOPLE:
        uow.run(workshops.join, created.workshop.join_code, name, org)
    areas = {area.name: area.id for area in created.focus_areas}

    def add(kind: str, area: str, text: str, links: list[int] | None = None) -> int:
        view, _ = uow.run(
            items.add_item, facilitator, workshop_id, kind, areas[area], text, links or []
        )
        return view.id

    for area_name, observations in BOARD.items():
        for seen_text, causes in observations:
            seen = add("situation", area_name, seen_text)
            for cause_text, actions in causes:
                cause = add("cause", area_name, cause_text, [seen])
                for action_text in actions:
                    add("action", area_name, action_text, [cause])
    uow.run(workshops.set_stage, facilitator, workshop_id, stage)
    return created, workshop_urls(base, created)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default=Stage.actions, choices=[s.value for s in Stage])
    parser.add_argument(
        "--port", type=int, default=get_settings().port, help="where the server will listen"
    )
    parser.add_argument(
        "--no-follow-up",
        dest="follow_up",
        action="store_false",
        help="skip the follow-up workshop (and the earlier one it follows)",
    )
    args = parser.parse_args()
    upgrade_to_head()
    base = get_settings().public_url.rstrip("/") or f"http://localhost:{args.port}"
    try:
        urls = make_demo(args.stage, base=base)
        earlier, follow_up = make_follow_up_demo(base) if args.follow_up else ({}, {})
    finally:
        uow.stop_writers()
    print("\n  Demo workshop ready (open on this computer):")
    for role, url in urls.items():
        print(f"    {role:<11} {url}")
    if follow_up:
        print("\n  A follow-up workshop, in its review stage (Sedan sist):")
        for role in ("facilitate", "board", "followup"):
            print(f"    {role:<11} {follow_up[role]}")
        print(f"  …of an earlier one (its follow-up page): {earlier['followup']}")


if __name__ == "__main__":
    main()
