"""Where the seeded suppliers come from and what they are called.

One entry per supplier country: currency, supplier class, share of the supplier base, a few
hand-picked flagship names (first in line, so small seeds show them) and the parts that compose
more names. Names deliberately carry å/ä/ö, ß/ü, ø/æ, pinyin tone marks and Chinese characters:
the connector must move them through both APIs unharmed.
"""

from __future__ import annotations

import random
from typing import NamedTuple


class Country(NamedTuple):
    code: str
    name: str
    currency: str
    supplier_class: str
    share: int  # percent of the supplier base
    credit_terms: tuple[str, ...]  # drawn uniformly, so repeats weight a term
    flagships: tuple[str, ...]
    stems: tuple[str, ...]
    kinds: tuple[str, ...]
    cities: tuple[tuple[str, str], ...]  # (city, postal code)
    streets: tuple[str, ...]
    city_in_name: bool = False


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


def _country(
    code: str,
    name: str,
    currency: str,
    supplier_class: str,
    share: int,
    terms: str,
    flagships: str,
    stems: str,
    kinds: str,
    cities: str,
    streets: str,
    city_in_name: bool = False,
) -> Country:
    """Compact table row: lists are ``|``-separated, cities ``City:postal code``."""
    places = tuple((city, postal) for city, postal in (c.split(":") for c in cities.split("|")))
    return Country(
        code,
        name,
        currency,
        supplier_class,
        share,
        tuple(terms.split()),
        _split(flagships),
        _split(stems),
        _split(kinds),
        places,
        _split(streets),
        city_in_name,
    )


COUNTRIES: tuple[Country, ...] = (
    _country(
        "SE",
        "Sverige",
        "SEK",
        "DOM",
        60,
        "30D 30D 30D 10D",
        "Åhléns Grossist AB|Göteborgs Hamnservice AB|Öresund Frakt AB|Kontorsgiganten i Väst AB",
        "Björkman|Lindqvist|Sjöström|Nordén|Öberg|Håkansson|Grönvall|Ekdahl|Löfgren|Wästberg|Dahlström|Jönsson|"
        "Hägglund|Bäckström|Sandén|Åkerlund|Ström|Fjällgren|Mälar|Vänern|Kattegatt|Skärgårds|Norrlands|Älvdals",
        "Grossist AB|Handel AB|Import AB|Logistik AB|Förpackning AB|Kontorsservice AB|IT-konsult AB|"
        "Transport AB|& Söner AB|Fastigheter AB|Städservice AB|Revision AB|Emballage AB|Trävaror AB",
        "Göteborg:411 05|Stockholm:111 52|Malmö:211 20|Uppsala:753 20|Jönköping:553 15|Örebro:702 10|"
        "Västerås:722 15|Luleå:972 31|Helsingborg:252 21|Borås:503 30",
        "Storgatan|Kungsgatan|Hamngatan|Industrivägen|Sjöbergs väg|Östra Hamngatan|Järnvägsgatan|Åvägen",
    ),
    _country(
        "DE",
        "Tyskland",
        "EUR",
        "EU",
        10,
        "30D 30D 60D",
        "Kühne Logistik GmbH|Müller & Söhne Großhandel GmbH|Hamburger Hafen-Spedition GmbH",
        "Kühne|Müller|Schäfer|Weiß|Größ|Böhm|Jäger|Krüger|Schröder|Möller|Köhler|Hoffmann|Wagner|Becker|Fuchs",
        "Logistik GmbH|Handels GmbH|Großhandel GmbH|Verpackung GmbH|& Söhne KG|Spedition GmbH|"
        "Haushaltswaren AG|IT-Service GmbH",
        "Hamburg:20457|Bremen:28195|München:80331|Köln:50667|Düsseldorf:40213|Lübeck:23552|Berlin:10117",
        "Hafenstraße|Große Elbstraße|Königsallee|Schlüterstraße|Industriestraße|Mühlenweg",
    ),
    _country(
        "DK",
        "Danmark",
        "EUR",
        "EU",
        6,
        "30D 30D 60D",
        "Søndergaard Emballage ApS|Nordisk Kaffe & Te A/S",
        "Søndergaard|Østergaard|Møller|Bjørn|Kjær|Lykke|Dahl|Frøslev|Højgaard|Nørgaard|Æbelø",
        "Emballage ApS|Handel A/S|Import ApS|Design A/S|Logistik ApS|Shipping A/S",
        "København:1050|Aarhus:8000|Odense:5000|Aalborg:9000|Esbjerg:6700",
        "Østergade|Nørrebrogade|Havnegade|Strandvejen|Søndre Boulevard",
    ),
    _country(
        "FI",
        "Finland",
        "EUR",
        "EU",
        4,
        "30D 30D 60D",
        "Oy Pohjolan Kauppa Ab",
        "Pohjolan|Järvinen|Mäkelä|Häkkinen|Saarinen|Lähde|Kivi|Metsä",
        "Kauppa Oy|Logistiikka Oy|Tekstiili Oy|Puutuote Oy|Teollisuus Oy",
        "Helsinki:00100|Turku:20100|Tampere:33100|Oulu:90100|Vaasa:65100",
        "Mannerheimintie|Hämeenkatu|Satamakatu|Teollisuustie|Kauppakatu",
    ),
    _country(
        "NL",
        "Nederländerna",
        "EUR",
        "EU",
        5,
        "30D 30D 60D",
        "Van den Berg Handelsonderneming B.V.|Rotterdam Cargo Services B.V.",
        "Van den Berg|De Vries|Van Dijk|Bakker|Jansen|Visser|Smit|De Jong|Mulder|Van Leeuwen",
        "Handelsonderneming B.V.|Logistiek B.V.|Import B.V.|Groothandel B.V.|Verpakkingen B.V.",
        "Rotterdam:3011 AA|Amsterdam:1012 AB|Utrecht:3511 CE|Eindhoven:5611 AB|Venlo:5911 CK",
        "Coolsingel|Damrak|Havenstraat|Industrieweg|Kade",
    ),
    _country(
        "CN",
        "Kina",
        "USD",
        "IMP",
        9,
        "60D 60D 30D",
        "Shenzhen Hóngdá Trading Co.|宁波金龙进出口有限公司|厦门海湾家居用品有限公司|"
        "Guangzhou Měijiā Household Products Co., Ltd.",
        "Hóngdá|Jīnlóng|Huáxīng|Fēngshōu|Xīnyuán|Tiānyì|Lóngxiáng|Hǎiwān|Dōngfāng|Měijiā|Ruìfēng|Bǎolì",
        "Trading Co.|Import & Export Co., Ltd.|Industrial Co., Ltd.|Household Products Co., Ltd.|"
        "Electronics Co., Ltd.",
        "Shenzhen:518000|Ningbo:315000|Guangzhou:510000|Xiamen:361000|Yiwu:322000|Shanghai:200000",
        "Shennan Road|Zhongshan Road|Huangpu Avenue|Binhai Road|Jiangbin Road",
        city_in_name=True,
    ),
    _country(
        "US",
        "USA",
        "USD",
        "IMP",
        6,
        "30D 60D",
        "Great Lakes Supply Co.|Acme Outdoor Gear Inc.",
        "Great Lakes|Pacific Rim|Lone Star|Blue Ridge|Golden Gate|Hudson Valley|Evergreen|Liberty|Summit|"
        "Redwood",
        "Supply Co.|Traders LLC|Industries Inc.|Outdoor Gear Inc.|Logistics LLC|Software Inc.",
        "Seattle:98101|Chicago:60601|Portland:97201|Austin:78701|Newark:07102",
        "Pine Street|Michigan Avenue|Harbor Drive|Congress Avenue|Market Street",
    ),
)


def country_quota(count: int) -> list[Country]:
    """``count`` countries in the proportions of ``Country.share`` (largest remainder, no RNG).

    Quotas instead of draws guarantee every currency appears even in the smallest seed.
    """
    total = sum(c.share for c in COUNTRIES)
    exact = [count * c.share / total for c in COUNTRIES]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(COUNTRIES)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    return [c for c, n in zip(COUNTRIES, counts, strict=True) for _ in range(n)]


def compose_name(rng: random.Random, country: Country, taken: set[str]) -> str:
    """A new supplier name from the country's parts, unique within ``taken`` (which it extends)."""
    for attempt in range(40):
        kind = rng.choice(country.kinds)
        if attempt < 20:
            stem = rng.choice(country.stems)
        else:  # single stems are exhausted often enough: pair two family names
            first, second = rng.sample(country.stems, 2)
            stem = f"{first} & {second}"
        name = f"{rng.choice(country.cities)[0]} {stem} {kind}" if country.city_in_name else f"{stem} {kind}"
        if name not in taken:
            taken.add(name)
            return name
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    taken.add(f"{name} {n}")
    return f"{name} {n}"
