"""Static reference data of the seeded company, Nordic Trade AB (Swedish import-export, SEK).

A realistic slice of the Swedish BAS chart, the cost centres of the SUBACCOUNT dimension, the
Swedish VAT codes, three warehouses, a trade assortment and the spend profiles that decide which
account, VAT code and cost centre a bought line lands on. Plain tuples: the generators turn them
into Visma read-shape records and never mutate them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

COMPANY_ID = "1000001"
TENANT_ID = "vab-sandbox-tenant"
COMPANY_NAME = "Nordic Trade AB"
BASE_CURRENCY = "SEK"
CURRENCIES = ("SEK", "EUR", "USD")
# Rough SEK per unit, to scale SEK price ranges into a supplier's own currency.
CURRENCY_DIVISOR = {"SEK": 1, "EUR": 11, "USD": 10}


class Account(NamedTuple):
    cd: str
    description: str
    type: str
    active: bool = True


ACCOUNTS: tuple[Account, ...] = (
    Account("1220", "Inventarier och verktyg", "Asset"),
    Account("1460", "Lager av handelsvaror", "Asset"),
    Account("1480", "Förskott till leverantörer", "Asset"),
    Account("1510", "Kundfordringar", "Asset"),
    Account("1630", "Skattekonto", "Asset"),
    Account("1650", "Momsfordran", "Asset"),
    Account("1930", "Företagskonto", "Asset"),
    Account("1940", "Bankkonto EUR", "Asset"),
    Account("1941", "Bankkonto USD", "Asset"),
    Account("2081", "Aktiekapital", "Liability"),
    Account("2440", "Leverantörsskulder", "Liability"),
    Account("2614", "Utgående moms omvänd skattskyldighet 25 %", "Liability"),
    Account("2640", "Ingående moms", "Liability"),
    Account("2645", "Beräknad ingående moms utlandet", "Liability"),
    Account("2650", "Redovisningskonto för moms", "Liability"),
    Account("2710", "Personalskatt", "Liability"),
    Account("2890", "Övriga kortfristiga skulder", "Liability"),
    Account("3010", "Försäljning", "Income"),
    Account("3105", "Försäljning varor export", "Income"),
    Account("3108", "Försäljning varor EU", "Income"),
    Account("3960", "Valutakursvinster", "Income"),
    Account("4010", "Inköp material och varor", "Expense"),
    Account("4056", "Inköp varor EU", "Expense"),
    Account("4058", "Inköp varor import", "Expense"),
    Account("4531", "Import tjänster", "Expense"),
    Account("4535", "Inköp tjänster EU", "Expense"),
    Account("5010", "Lokalhyra", "Expense"),
    Account("5060", "Städning och renhållning", "Expense"),
    Account("5220", "Hyra av inventarier", "Expense", active=False),
    Account("5410", "Förbrukningsinventarier", "Expense"),
    Account("5460", "Förbrukningsmaterial", "Expense"),
    Account("5710", "Frakter och transporter", "Expense"),
    Account("5800", "Resekostnader", "Expense"),
    Account("5831", "Kost och logi i Sverige", "Expense"),
    Account("6071", "Representation", "Expense"),
    Account("6110", "Kontorsmateriel", "Expense"),
    Account("6211", "Fast telefoni", "Expense", active=False),
    Account("6212", "Mobiltelefon", "Expense"),
    Account("6250", "Postbefordran", "Expense"),
    Account("6310", "Företagsförsäkringar", "Expense"),
    Account("6540", "IT-tjänster", "Expense"),
    Account("6550", "Konsultarvoden", "Expense"),
    Account("6570", "Bankkostnader", "Expense"),
    Account("6970", "Tidningar, tidskrifter och facklitteratur", "Expense"),
    Account("7010", "Löner till tjänstemän", "Expense"),
    Account("7960", "Valutakursförluster", "Expense"),
)
ACCOUNT_NAMES = {a.cd: a.description for a in ACCOUNTS}


class CostCentre(NamedTuple):
    value: str
    description: str
    active: bool = True


COST_CENTRES: tuple[CostCentre, ...] = (
    CostCentre("100", "Ledning"),
    CostCentre("200", "Inköp"),
    CostCentre("300", "Lager Göteborg"),
    CostCentre("310", "Lager Malmö"),
    CostCentre("320", "Lager Stockholm"),
    CostCentre("400", "Försäljning"),
    CostCentre("500", "IT"),
    CostCentre("600", "Ekonomi"),
    CostCentre("700", "Logistik"),
    CostCentre("900", "Mässprojekt Hamburg", active=False),
)


class VatCode(NamedTuple):
    id: str
    description: str
    rate: Decimal  # a fraction: 0.25 means 25 %
    account: str | None
    reverse_charge: bool = False


VAT_CODES: tuple[VatCode, ...] = (
    VatCode("MP1", "Ingående moms 25 %", Decimal("0.25"), "2640"),
    VatCode("MP2", "Ingående moms 12 %", Decimal("0.12"), "2640"),
    VatCode("MP3", "Ingående moms 6 %", Decimal("0.06"), "2640"),
    VatCode("MF", "Momsfritt", Decimal("0.00"), None),
    VatCode("EUI", "Omvänd skattskyldighet, förvärv från EU", Decimal("0.00"), "2645", reverse_charge=True),
)
VAT_RATES = {v.id: v.rate for v in VAT_CODES}


class Warehouse(NamedTuple):
    id: str
    description: str
    city: str
    cost_centre: str


WAREHOUSES: tuple[Warehouse, ...] = (
    Warehouse("GBG", "Göteborg hamnlager", "Göteborg", "300"),
    Warehouse("MMO", "Malmö", "Malmö", "310"),
    Warehouse("STO", "Stockholm", "Stockholm", "320"),
)


class Item(NamedTuple):
    number: str
    description: str
    lo_cents: int  # unit cost range in SEK cents
    hi_cents: int


ITEMS: tuple[Item, ...] = (
    Item("10010", "Keramikmugg 30 cl", 1_800, 4_500),
    Item("10020", "Porslinstallrik 27 cm", 2_500, 6_000),
    Item("10030", "Glasflaska 330 ml", 300, 900),
    Item("10040", "Kastrull rostfri 3 l", 14_000, 32_000),
    Item("10050", "Termos 1 l", 9_000, 19_000),
    Item("10060", "Skärbräda ek", 7_000, 16_000),
    Item("10070", "Kökshandduk lin", 2_200, 5_500),
    Item("10080", "Pläd ull 130x170", 24_000, 52_000),
    Item("10090", "Doftljus i glas", 3_000, 7_500),
    Item("10100", "Vas glas 25 cm", 6_500, 14_000),
    Item("20010", "USB-C laddare 65 W", 9_500, 21_000),
    Item("20020", "Hörlurar Bluetooth", 18_000, 45_000),
    Item("20030", "LED-armatur 40 W", 22_000, 48_000),
    Item("20040", "Förlängningskabel 5 m", 4_500, 9_500),
    Item("30010", "Ryggsäck 25 l", 16_000, 38_000),
    Item("30020", "Cykelhjälm", 21_000, 47_000),
    Item("30030", "Trädgårdsslang 25 m", 12_000, 26_000),
    Item("30040", "Solglasögon polariserade", 5_500, 13_000),
    Item("40010", "EUR-pall 1200x800", 9_000, 16_000),
    Item("40020", "Sträckfilm 500 mm", 8_500, 17_000),
)

CREDIT_TERMS = {"10D": ("10 dagar netto", 10), "30D": ("30 dagar netto", 30), "60D": ("60 dagar netto", 60)}
SUPPLIER_CLASSES = {"DOM": "Inrikes leverantörer", "EU": "Leverantörer inom EU", "IMP": "Import utanför EU"}
PAYMENT_METHODS = {"BG": "Bankgiro", "SWIFT": "Utlandsbetalning SWIFT"}

# What goods bought from each supplier class are booked on, with which VAT code.
GOODS_ACCOUNT = {"DOM": "4010", "EU": "4056", "IMP": "4058"}
GOODS_VAT = {"DOM": "MP1", "EU": "EUI", "IMP": "MF"}


class SpendProfile(NamedTuple):
    account: str
    vat: str
    cost_centres: tuple[str, ...]
    descriptions: tuple[str, ...]
    lo_cents: int  # unit cost range in SEK cents, scaled into the supplier's currency
    hi_cents: int
    max_qty: int


def _p(
    account: str, vat: str, centres: str, descriptions: str, lo_sek: int, hi_sek: int, qty: int
) -> SpendProfile:
    """Compact profile row: cost centres space-separated, descriptions ``|``-separated, whole SEK."""
    return SpendProfile(
        account, vat, tuple(centres.split()), tuple(descriptions.split("|")), lo_sek * 100, hi_sek * 100, qty
    )


_GOODS_CENTRES = "200 300 310 320"
_STORE_CENTRES = "300 310 320"
SPEND: dict[str, tuple[SpendProfile, ...]] = {
    "DOM": (
        _p("4010", "MP1", _GOODS_CENTRES, "Varuinköp|Påfyllnad lager", 20, 1_500, 200),
        _p("5010", "MP1", f"100 {_STORE_CENTRES}", "Lokalhyra kontor|Hyra lagerlokal", 15_000, 90_000, 1),
        _p("5060", "MP1", f"100 {_STORE_CENTRES}", "Städning kontor|Fönsterputs", 1_500, 12_000, 1),
        _p("5410", "MP1", f"100 500 {_STORE_CENTRES}", "Kontorsstolar|Hyllsystem lager", 500, 15_000, 6),
        _p("5460", "MP1", f"700 {_STORE_CENTRES}", "Kartonger 600x400|Packtejp|Pallkragar", 50, 3_000, 40),
        _p("5710", "MP1", f"700 {_STORE_CENTRES}", "Frakt Göteborg-Malmö|Budtransport", 800, 25_000, 3),
        _p("5800", "MP3", "100 200 400", "Tågresa Stockholm-Göteborg|Taxi", 300, 4_000, 4),
        _p("5831", "MP2", "100 200 400", "Hotell Göteborg|Logi mässa Älvsjö", 900, 6_000, 3),
        _p("6071", "MP2", "100 400", "Kundlunch|Middag leverantörsmöte", 300, 8_000, 1),
        _p("6110", "MP1", "100 200 600", "Kopieringspapper A4|Pärmar och block", 50, 2_000, 20),
        _p("6212", "MP1", "100 500", "Mobilabonnemang|Mobiltelefoner", 200, 10_000, 12),
        _p("6250", "MF", "600 700", "Frimärken|Porto rekommenderat brev", 50, 1_500, 10),
        _p("6310", "MF", "100 600", "Företagsförsäkring kvartal", 5_000, 40_000, 1),
        _p("6540", "MP1", "500", "Drift och support|Licens affärssystem", 500, 30_000, 3),
        _p("6550", "MP1", "100 400 500 600", "Konsulttimmar|Tullrådgivning", 950, 1_800, 40),
        _p("6570", "MF", "600", "Bankavgifter|Avgift valutabetalningar", 50, 2_000, 1),
        _p("6970", "MP3", "100 400", "Fackpress prenumeration|Facklitteratur", 300, 3_000, 3),
    ),
    "EU": (
        _p("4056", "EUI", _GOODS_CENTRES, "Warenlieferung|Varuinköp EU", 20, 1_500, 300),
        _p("4535", "EUI", "100 200 500", "Beratung Logistik|Mässtjänster", 500, 30_000, 3),
        _p("5710", "EUI", "700", "Seefracht Hamburg-Göteborg|LKW-Transport", 2_000, 50_000, 2),
        _p("6540", "EUI", "500", "Cloud hosting|SaaS-Lizenzen", 500, 20_000, 5),
    ),
    "IMP": (
        _p("4058", "MF", _GOODS_CENTRES, "Goods shipment FOB Shenzhen|Sample order", 10, 1_000, 999),
        _p("4531", "MF", "200 500", "Quality inspection|Sourcing agent fee", 1_000, 30_000, 2),
        _p("5710", "MF", "700", "Ocean freight Shanghai-Göteborg|Air freight", 5_000, 80_000, 1),
    ),
}
