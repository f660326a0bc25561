"""`make demo`: a workshop already full of notes, in the words of the Värnamo, Borlänge and
Karlstad articles, so a newcomer sees every board at once. Prints the links."""

import argparse

from app.config import get_settings
from app.links import workshop_urls
from app.migrations import upgrade_to_head
from app.models import Stage
from app.services import items, uow, workshops
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


def make_demo(
    stage: str = Stage.actions, title: str | None = None, base: str = "http://localhost:8000"
) -> dict[str, str]:
    created = uow.run(
        workshops.create_workshop,
        workshops.WorkshopInput(title=title or "Tillsammans för ett tryggare Värnamo"),
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
    return workshop_urls(base, created)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default=Stage.actions, choices=[s.value for s in Stage])
    parser.add_argument(
        "--port", type=int, default=get_settings().port, help="where the server will listen"
    )
    args = parser.parse_args()
    upgrade_to_head()
    base = get_settings().public_url.rstrip("/") or f"http://localhost:{args.port}"
    try:
        urls = make_demo(args.stage, base=base)
    finally:
        uow.stop_writers()
    print("\n  Demo workshop ready (open on this computer):")
    for role, url in urls.items():
        print(f"    {role:<11} {url}")


if __name__ == "__main__":
    main()
