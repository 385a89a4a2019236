"""The demo city's catalogue: Riverton, its districts, departments, services and standards."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

import holidays
import shapely
from shapely.geometry import MultiPoint, Polygon, mapping

from commonweal.catalog.models import (
    AttributeValue,
    Datatype,
    Department,
    District,
    Holiday,
    Jurisdiction,
    Priority,
    Service,
    ServiceAttribute,
    ServiceStandard,
    TimeUnit,
)

CENTRE = (-90.05, 38.62)  # (long, lat) of an imaginary river city in the US Midwest
TIME_ZONE = "America/Chicago"

DISTRICT_NAMES = [
    "Northgate", "Riverside", "Old Town", "Millbrook", "Harbor View", "Cedar Heights",
    "Westfield", "Lakeshore", "Southpoint", "Fairmount", "Eastbrook", "Oak Hollow",
    "Union Square", "Hillcrest", "Bridgewater",
]  # fmt: skip

#: the district where streets work is planted to be slower (for analytics to find)
SLOW_DISTRICT = "Eastbrook"
#: the service planted to get worse over the last months
WORSENING_SERVICE = "streetlight-out"

DEPARTMENTS = [
    ("311", "311 Customer Service Center"),
    ("streets", "Streets and Transportation"),
    ("sanitation", "Sanitation"),
    ("parks", "Parks and Recreation"),
    ("water", "Water and Sewer"),
    ("code", "Code Enforcement"),
    ("animals", "Animal Services"),
    ("lighting", "Traffic and Street Lighting"),
    ("health", "Environmental Health"),
]
#: the departments' names in Spanish (residents choose one on the complaints form)
SPANISH_DEPARTMENTS = {
    "311": "Centro de Atención 311",
    "streets": "Calles y Transporte",
    "sanitation": "Limpieza y Recogida de Basura",
    "parks": "Parques y Recreación",
    "water": "Agua y Alcantarillado",
    "code": "Inspección de Códigos",
    "animals": "Servicios de Animales",
    "lighting": "Tráfico y Alumbrado Público",
    "health": "Salud Ambiental",
}


@dataclass(frozen=True)
class ServiceSpec:
    """One demo service: how often it is asked for and how long it takes to close."""

    code: str
    name: str
    department: str
    group: str
    weight: float  # share of the volume
    median_days: float  # median time to close
    resolve_days: int  # the published standard, in working days
    season: str = ""  # "spring", "summer", "autumn", "winter" or "" for flat
    keywords: str = ""
    sensitive: bool = False
    urgent: bool = False  # has an urgent-priority standard
    #: share of phone and counter reports the department's agent answers on the call (first
    #: contact resolution), and what they tell the resident
    answered_on_call: float = 0.0
    call_answer: str = ""


SERVICES = [
    ServiceSpec("pothole", "Pothole", "streets", "Streets", 9, 4, 5, "spring", "road,hole,bache", urgent=True),
    ServiceSpec("sidewalk-damage", "Damaged sidewalk", "streets", "Streets", 3, 12, 20, "", "pavement,acera"),
    ServiceSpec("street-sweeping", "Street sweeping", "streets", "Streets", 2, 5, 10, "autumn", "leaves,hojas",
                answered_on_call=0.2, call_answer="Explained on the call: this street is swept on its posted day; the next sweep is this week."),
    ServiceSpec("snow-ice", "Snow or ice on road", "streets", "Streets", 2, 1, 2, "winter", "snow,nieve", urgent=True),
    ServiceSpec("road-debris", "Debris on the road", "streets", "Streets", 2, 1, 2, "", "debris,escombros", urgent=True),
    ServiceSpec("missed-trash", "Missed trash collection", "sanitation", "Trash and Recycling", 8, 2, 2, "", "garbage,basura",
                answered_on_call=0.3, call_answer="Explained on the call: after a holiday, collection on this street moves one day later."),
    ServiceSpec("missed-recycling", "Missed recycling collection", "sanitation", "Trash and Recycling", 5, 2, 3, "", "recycle,reciclaje",
                answered_on_call=0.3, call_answer="Explained on the call: recycling here is collected every other week; the next pickup is this week."),
    ServiceSpec("bulk-pickup", "Bulk item pickup", "sanitation", "Trash and Recycling", 6, 6, 10, "summer", "furniture,muebles"),
    ServiceSpec("illegal-dumping", "Illegal dumping", "sanitation", "Trash and Recycling", 4, 5, 7, "", "dumping,vertedero"),
    ServiceSpec("cart-repair", "Damaged trash cart", "sanitation", "Trash and Recycling", 2, 8, 10, "", "cart,bin,contenedor"),
    ServiceSpec("dead-animal", "Dead animal removal", "sanitation", "Trash and Recycling", 2, 1, 2, "summer", "carcass,animal muerto"),
    ServiceSpec("graffiti", "Graffiti removal", "parks", "Parks and Public Spaces", 4, 7, 10, "summer", "paint,grafiti"),
    ServiceSpec("tree-down", "Fallen tree or limb", "parks", "Parks and Public Spaces", 2, 2, 3, "spring", "tree,arbol", urgent=True),
    ServiceSpec("tree-trim", "Tree trimming", "parks", "Parks and Public Spaces", 2, 25, 40, "", "branches,ramas"),
    ServiceSpec("park-maintenance", "Park maintenance", "parks", "Parks and Public Spaces", 2, 6, 10, "summer", "park,parque"),
    ServiceSpec("playground-repair", "Playground equipment", "parks", "Parks and Public Spaces", 1, 9, 15, "summer", "swing,columpio"),
    ServiceSpec("water-leak", "Water main leak", "water", "Water and Sewer", 3, 1.5, 2, "winter", "leak,fuga", urgent=True),
    ServiceSpec("sewer-backup", "Sewer backup", "water", "Water and Sewer", 2, 1, 2, "spring", "sewage,drenaje", urgent=True),
    ServiceSpec("hydrant", "Fire hydrant problem", "water", "Water and Sewer", 1, 4, 5, "", "hydrant,hidrante"),
    ServiceSpec("catch-basin", "Clogged storm drain", "water", "Water and Sewer", 2, 3, 5, "autumn", "drain,alcantarilla"),
    ServiceSpec("low-pressure", "Low water pressure", "water", "Water and Sewer", 1, 5, 7, "", "pressure,presion"),
    ServiceSpec("noise", "Noise complaint", "code", "Neighbourhood Concerns", 5, 3, 5, "summer", "noise,ruido", sensitive=True),
    ServiceSpec("abandoned-vehicle", "Abandoned vehicle", "code", "Neighbourhood Concerns", 4, 10, 15, "", "car,auto"),
    ServiceSpec("high-grass", "High grass and weeds", "code", "Neighbourhood Concerns", 3, 12, 15, "summer", "weeds,maleza"),
    ServiceSpec("vacant-building", "Open vacant building", "code", "Neighbourhood Concerns", 1, 15, 20, "", "vacant,abandonado", sensitive=True),
    ServiceSpec("housing-code", "Housing code violation", "code", "Neighbourhood Concerns", 2, 20, 30, "winter", "landlord,heat,casero", sensitive=True),
    ServiceSpec("illegal-sign", "Illegal sign", "code", "Neighbourhood Concerns", 1, 8, 10, "", "sign,letrero"),
    ServiceSpec("stray-dog", "Stray dog", "animals", "Animals", 2, 1, 2, "summer", "dog,perro"),
    ServiceSpec("animal-bite", "Animal bite", "animals", "Animals", 0.5, 1, 1, "summer", "bite,mordida", sensitive=True, urgent=True),
    ServiceSpec("animal-neglect", "Animal neglect", "animals", "Animals", 1, 3, 5, "", "neglect,maltrato", sensitive=True),
    ServiceSpec("wildlife", "Wildlife concern", "animals", "Animals", 1, 3, 5, "spring", "raccoon,mapache"),
    ServiceSpec("streetlight-out", "Street light out", "lighting", "Lights and Signals", 7, 4, 7, "winter", "light,luz,farola"),
    ServiceSpec("signal-malfunction", "Traffic signal malfunction", "lighting", "Lights and Signals", 2, 0.5, 1, "", "signal,semaforo", urgent=True),
    ServiceSpec("sign-damaged", "Damaged street sign", "lighting", "Lights and Signals", 2, 6, 10, "", "stop sign,senal"),
    ServiceSpec("crosswalk-paint", "Faded crosswalk", "lighting", "Lights and Signals", 1, 30, 45, "summer", "crosswalk,cruce"),
    ServiceSpec("restaurant", "Restaurant complaint", "health", "Health and Safety", 1.5, 6, 10, "", "food,comida", sensitive=True),
    ServiceSpec("rodents", "Rats or mice", "health", "Health and Safety", 3, 8, 10, "summer", "rats,ratas"),
    ServiceSpec("mosquitoes", "Standing water / mosquitoes", "health", "Health and Safety", 1, 4, 7, "summer", "mosquito,zancudo"),
    ServiceSpec("air-quality", "Smoke or odour", "health", "Health and Safety", 1, 5, 7, "", "smell,olor"),
    ServiceSpec("lead-paint", "Peeling paint (lead hazard)", "health", "Health and Safety", 0.5, 15, 20, "", "lead,plomo", sensitive=True),
]  # fmt: skip


def city_outline(rng: random.Random) -> Polygon:
    """Return an irregular city boundary around CENTRE, about 20 km across."""
    points = []
    for step in range(48):
        angle = 2 * math.pi * step / 48
        radius = 0.1 * (
            1
            + 0.18 * math.sin(3 * angle + 1)
            + 0.08 * math.sin(7 * angle)
            + rng.uniform(-0.03, 0.03)
        )
        points.append(
            (CENTRE[0] + radius * math.cos(angle) * 1.3, CENTRE[1] + radius * math.sin(angle))
        )
    return Polygon(points)


def district_shapes(rng: random.Random, count: int) -> list[Polygon]:
    """Cut the outline into `count` organic cells (a Voronoi diagram of scattered seeds)."""
    outline = city_outline(rng)
    west, south, east, north = outline.bounds
    seeds: list[tuple[float, float]] = []
    while len(seeds) < count:
        point = (rng.uniform(west, east), rng.uniform(south, north))
        if outline.contains(shapely.Point(point)) and all(
            math.dist(point, other) > 0.035 for other in seeds
        ):
            seeds.append(point)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=outline)
    shapes = [cell.intersection(outline) for cell in cells.geoms]
    shapes.sort(key=lambda cell: (-round(cell.centroid.y, 3), cell.centroid.x))
    return [shapely.set_precision(cell, 1e-6) for cell in shapes]


def build_jurisdiction(first_day: dt.date, last_day: dt.date) -> Jurisdiction:
    jurisdiction = Jurisdiction.objects.create(
        jurisdiction_id="riverton.example", name="City of Riverton", time_zone=TIME_ZONE
    )
    years = range(first_day.year, last_day.year + 2)
    Holiday.objects.bulk_create(
        Holiday(jurisdiction=jurisdiction, date=day, name=name)
        for day, name in sorted(holidays.country_holidays("US", years=years).items())
    )
    return jurisdiction


def build_districts(jurisdiction: Jurisdiction, rng: random.Random) -> list[District]:
    districts = []
    for number, (name, shape) in enumerate(
        zip(DISTRICT_NAMES, district_shapes(rng, len(DISTRICT_NAMES)), strict=True), start=1
    ):
        income = int(rng.lognormvariate(math.log(62000), 0.45))
        districts.append(
            District(
                jurisdiction=jurisdiction,
                code=str(number),
                name=name,
                kind="council",
                boundary=mapping(shape),
                population=rng.randrange(18000, 95000, 100),
                median_household_income=min(max(income, 24000), 180000),
            )
        )
    for district in districts:
        district.full_clean()
    return District.objects.bulk_create(districts)


def build_departments(jurisdiction: Jurisdiction) -> dict[str, Department]:
    return {
        code: Department.objects.create(
            jurisdiction=jurisdiction,
            code=code,
            name=name,
            email=f"{code}@riverton.example",
            phone="311",
            translations={"es": {"name": SPANISH_DEPARTMENTS[code]}},
        )
        for code, name in DEPARTMENTS
    }


def _add_attributes(service: Service, spec: ServiceSpec) -> None:
    ServiceAttribute.objects.create(
        service=service,
        code="location_detail",
        datatype=Datatype.STRING,
        order=1,
        description="Where exactly? (e.g. in front of number 12, near the bus stop)",
        translations={
            "es": {
                "description": "¿Dónde exactamente? (p. ej., frente al número 12, cerca de la parada)"
            }
        },
    )
    if spec.urgent:
        danger = ServiceAttribute.objects.create(
            service=service,
            code="danger",
            datatype=Datatype.SINGLEVALUELIST,
            required=True,
            order=2,
            description="Is it a danger to people right now?",
            translations={"es": {"description": "¿Es un peligro para las personas ahora mismo?"}},
        )
        AttributeValue.objects.bulk_create(
            [
                AttributeValue(
                    attribute=danger, key="yes", name="Yes", translations={"es": {"name": "Sí"}}
                ),
                AttributeValue(
                    attribute=danger, key="no", name="No", translations={"es": {"name": "No"}}
                ),
            ]
        )


#: Spanish names of the demo services and groups (the portal shows them to Spanish readers)
SPANISH_NAMES = {
    "pothole": "Bache",
    "sidewalk-damage": "Acera dañada",
    "street-sweeping": "Barrido de calles",
    "snow-ice": "Nieve o hielo en la calzada",
    "road-debris": "Escombros en la calzada",
    "missed-trash": "Basura no recogida",
    "missed-recycling": "Reciclaje no recogido",
    "bulk-pickup": "Recogida de objetos voluminosos",
    "illegal-dumping": "Vertido ilegal",
    "cart-repair": "Contenedor de basura dañado",
    "dead-animal": "Retirada de animal muerto",
    "graffiti": "Eliminación de grafitis",
    "tree-down": "Árbol o rama caída",
    "tree-trim": "Poda de árboles",
    "park-maintenance": "Mantenimiento de parques",
    "playground-repair": "Juegos infantiles",
    "water-leak": "Fuga en la red de agua",
    "sewer-backup": "Desbordamiento del alcantarillado",
    "hydrant": "Problema con un hidrante",
    "catch-basin": "Desagüe pluvial atascado",
    "low-pressure": "Baja presión del agua",
    "noise": "Queja por ruido",
    "abandoned-vehicle": "Vehículo abandonado",
    "high-grass": "Hierba y maleza altas",
    "vacant-building": "Edificio vacío abierto",
    "housing-code": "Infracción del código de vivienda",
    "illegal-sign": "Cartel ilegal",
    "stray-dog": "Perro callejero",
    "animal-bite": "Mordedura de animal",
    "animal-neglect": "Animal desatendido",
    "wildlife": "Fauna silvestre",
    "streetlight-out": "Farola apagada",
    "signal-malfunction": "Semáforo averiado",
    "sign-damaged": "Señal de tráfico dañada",
    "crosswalk-paint": "Paso de peatones borroso",
    "restaurant": "Queja sobre un restaurante",
    "rodents": "Ratas o ratones",
    "mosquitoes": "Agua estancada / mosquitos",
    "air-quality": "Humo u olor",
    "lead-paint": "Pintura descascarada (riesgo de plomo)",
}
SPANISH_GROUPS = {
    "Streets": "Calles",
    "Trash and Recycling": "Basura y reciclaje",
    "Parks and Public Spaces": "Parques y espacios públicos",
    "Water and Sewer": "Agua y alcantarillado",
    "Neighbourhood Concerns": "Problemas del barrio",
    "Animals": "Animales",
    "Lights and Signals": "Alumbrado y señales",
    "Health and Safety": "Salud y seguridad",
}


def build_services(
    jurisdiction: Jurisdiction, departments: dict[str, Department], since: dt.date
) -> dict[str, Service]:
    services = {}
    for spec in SERVICES:
        service = Service.objects.create(
            jurisdiction=jurisdiction,
            department=departments[spec.department],
            service_code=spec.code,
            service_name=spec.name,
            description=f"{spec.name}: tell the City of Riverton where and what.",
            keywords=spec.keywords,
            group=spec.group,
            sensitive=spec.sensitive,
            translations={
                "es": {
                    "service_name": SPANISH_NAMES[spec.code],
                    "group": SPANISH_GROUPS[spec.group],
                    "description": (
                        f"{SPANISH_NAMES[spec.code]}: indique a la Ciudad de Riverton "
                        "dónde está y qué pasa."
                    ),
                }
            },
        )
        _add_attributes(service, spec)
        _add_standards(service, spec, since)
        services[spec.code] = service
    return services


def _add_standards(service: Service, spec: ServiceSpec, since: dt.date) -> None:
    days = spec.resolve_days
    ServiceStandard.objects.create(
        service=service,
        priority=Priority.NORMAL,
        acknowledge_within=1,
        acknowledge_unit=TimeUnit.WORKING_DAYS,
        resolve_within=days,
        resolve_unit=TimeUnit.WORKING_DAYS,
        effective_from=since,
        public_wording=f"We aim to resolve this within {days} working day{'s' * (days > 1)}.",
    )
    if spec.urgent:
        ServiceStandard.objects.create(
            service=service,
            priority=Priority.URGENT,
            acknowledge_within=2,
            acknowledge_unit=TimeUnit.CALENDAR_HOURS,
            resolve_within=24,
            resolve_unit=TimeUnit.CALENDAR_HOURS,
            effective_from=since,
            public_wording="If it is dangerous, we make it safe within 24 hours, day or night.",
        )
