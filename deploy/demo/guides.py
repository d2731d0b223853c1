"""The demo's self-help guides (F-16) over the demo models, in English, Spanish and Swedish: the supervisor
writes and publishes them through the cases service's API (deploy.demo.load), as on the portal's pages.

Error codes are the family's letter and the number the device shows: J jam codes, C replace-a-consumable codes,
E service-call codes (those need a technician: the portal skips self-help and opens the case)."""

from typing import Any

EVERY_MODEL: list[str] = []
ADVANCE = "imageRUNNER ADVANCE DX"
COLOUR = ["imageRUNNER ADVANCE DX C", "i-SENSYS X C"]
A3_COLOUR = ["imageRUNNER ADVANCE DX C5860i", "imageRUNNER ADVANCE DX C5850i"]


def step(
    key: str, en: str, es: str, sv: str, solved: str = "solved", not_solved: str = "case"
) -> dict[str, Any]:
    return {"key": key, "text": {"en": en, "es": es, "sv": sv}, "solved": solved, "not_solved": not_solved}


def chain(*steps: tuple[str, str, str], images: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Steps one after the other: "solved" ends the guide, "not solved" leads to the next, after the last to a case;
    `images` names a picture of the portal's guide images (served under /static/guides/) by step key."""
    keys = [f"s{number}" for number in range(1, len(steps) + 1)]
    return [
        step(key, *texts, not_solved=keys[index + 1] if index + 1 < len(keys) else "case")
        | ({"image": images[key]} if images and key in images else {})
        for index, (key, texts) in enumerate(zip(keys, steps, strict=True))
    ]


def guide(
    key: str,
    category: str,
    models: list[str],
    codes: list[str],
    title: tuple[str, str, str],
    keywords: tuple[str, str, str],
    steps: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "key": key,
        "definition": {
            "category": category,
            "models": models,
            "error_codes": codes,
            "title": dict(zip(("en", "es", "sv"), title, strict=True)),
            "keywords": dict(zip(("en", "es", "sv"), keywords, strict=True)),
            "steps": steps,
        },
    }


PAPER_JAM = guide(
    "paper-jam",
    "paper_jam",
    EVERY_MODEL,
    ["J1104", "J0101"],
    ("Paper jam", "Atasco de papel", "Pappersstopp"),
    (
        "jammed sheet stuck paper drawer tray",
        "atasco hoja atascada papel bandeja cajón",
        "papper fast kassett fack ark",
    ),
    chain(
        (
            "Open the paper drawer shown on the screen and gently pull out any sheet that is stuck, in the direction "
            "the paper travels. Close the drawer until it clicks.",
            "Abra la bandeja de papel que indica la pantalla y retire con cuidado la hoja atascada, en el sentido en "
            "que avanza el papel. Cierre la bandeja hasta oír un clic.",
            "Öppna pappersfacket som visas på skärmen och dra försiktigt ut arket som sitter fast, i den riktning "
            "pappret matas. Stäng facket tills det klickar.",
        ),
        (
            "Open the right-hand cover and follow the animation on the screen: remove the paper left inside the "
            "feeding path, including small torn pieces. Close the cover.",
            "Abra la tapa derecha y siga la animación de la pantalla: retire el papel que quede en el recorrido, "
            "también los trozos pequeños rotos. Cierre la tapa.",
            "Öppna höger lucka och följ animationen på skärmen: ta bort papper som finns kvar i pappersbanan, även "
            "små sönderrivna bitar. Stäng luckan.",
        ),
        (
            "Take the paper out of the drawer, fan it, turn the stack over and put it back under the guides' marks. "
            "Check that the paper type set for the drawer matches the paper.",
            "Saque el papel de la bandeja, airéelo, dele la vuelta al paquete y vuelva a colocarlo sin superar la "
            "marca de las guías. Compruebe que el tipo de papel configurado para la bandeja coincide con el papel.",
            "Ta ut pappret ur facket, lufta det, vänd bunten och lägg tillbaka den under markeringen på "
            "pappersstöden. Kontrollera att papperstypen som är inställd för facket stämmer med pappret.",
        ),
        images={"s2": "paper-jam-right-cover.svg"},
    ),
)

STREAKS = guide(
    "streaks-faded-print",
    "print_quality",
    [*COLOUR, "imageRUNNER 1643i", "i-SENSYS X 1238i", "imageRUNNER ADVANCE DX 6855i"],
    [],
    ("Streaks or faded print", "Rayas o impresión desvaída", "Ränder eller blek utskrift"),
    (
        "lines stripes pale light quality",
        "líneas rayas pálida claro calidad",
        "linjer streck blek ljus kvalitet",
    ),
    chain(
        (
            "If the streaks appear only on copies, clean the scanner glass and the narrow glass strip under the "
            "document feeder with a soft, dry cloth.",
            "Si las rayas solo aparecen en las copias, limpie el cristal del escáner y la franja estrecha de cristal "
            "bajo el alimentador de documentos con un paño suave y seco.",
            "Om ränderna bara syns på kopior: torka av skannerglaset och den smala glasremsan under "
            "dokumentmataren med en mjuk, torr trasa.",
        ),
        (
            "On the screen, open Settings > Adjustment/Maintenance and run the cleaning of the fixing unit, then "
            "print a test page.",
            "En la pantalla, abra Ajustes > Ajuste/Mantenimiento y ejecute la limpieza de la unidad de fijación; "
            "después imprima una página de prueba.",
            "Öppna Inställningar > Justering/Underhåll på skärmen och kör rengöringen av fixeringsenheten. Skriv "
            "sedan ut en testsida.",
        ),
        (
            "Check the toner level on the screen. Take out the cartridge of the faded colour, shake it gently five "
            "or six times and put it back.",
            "Compruebe el nivel de tóner en la pantalla. Saque el cartucho del color desvaído, agítelo suavemente "
            "cinco o seis veces y vuelva a colocarlo.",
            "Kontrollera tonernivån på skärmen. Ta ut kassetten med den bleka färgen, skaka den försiktigt fem-sex "
            "gånger och sätt tillbaka den.",
        ),
    ),
)

REPLACE_TONER = guide(
    "replace-toner",
    "error_code",
    EVERY_MODEL,
    ["C0019", "C0020"],
    ("Replace the toner cartridge", "Sustituir el cartucho de tóner", "Byt tonerkassett"),
    ("toner empty cartridge replace", "tóner vacío cartucho cambiar sustituir", "toner slut kassett byta"),
    chain(
        (
            "The screen names the colour to replace. Open the front cover, pull out the empty cartridge of that "
            "colour and insert a new one until it locks. Close the cover.",
            "La pantalla indica el color que hay que sustituir. Abra la tapa frontal, saque el cartucho vacío de "
            "ese color e inserte uno nuevo hasta que quede bloqueado. Cierre la tapa.",
            "Skärmen visar vilken färg som ska bytas. Öppna frontluckan, dra ut den tomma kassetten i den färgen "
            "och skjut in en ny tills den låses. Stäng luckan.",
        ),
        (
            "If the message stays, take the new cartridge out again, remove any protective tape left on it and "
            "push it back firmly. Check that every cover is closed.",
            "Si el mensaje no desaparece, vuelva a sacar el cartucho nuevo, retire la cinta protectora que pueda "
            "quedar y empújelo de nuevo con firmeza. Compruebe que todas las tapas están cerradas.",
            "Om meddelandet finns kvar: ta ut den nya kassetten igen, ta bort eventuell skyddstejp och tryck in den "
            "ordentligt. Kontrollera att alla luckor är stängda.",
        ),
    ),
)

SCAN_TO_EMAIL = guide(
    "scan-to-email",
    "network_scanning",
    [ADVANCE, "i-SENSYS X"],
    [],
    ("Scan to email fails", "Falla el escaneo a correo electrónico", "Skanna till e-post fungerar inte"),
    (
        "scan scanning email send mail",
        "escanear escaneo correo enviar email",
        "skanna skanning e-post skicka mejl",
    ),
    chain(
        (
            "Check the recipient's address for typing errors, or pick it from the address book, and send a "
            "one-page scan at 300 dpi.",
            "Compruebe que la dirección del destinatario no tiene errores, o elíjala en la libreta de direcciones, "
            "y envíe un escaneo de una página a 300 ppp.",
            "Kontrollera att mottagarens adress är rätt skriven, eller välj den i adressboken, och skicka en "
            "skanning på en sida med 300 dpi.",
        ),
        (
            "Large scans may be refused by your mail server: lower the resolution or choose compact PDF, or split "
            "the document into smaller sends.",
            "Su servidor de correo puede rechazar escaneos grandes: reduzca la resolución o elija PDF compacto, o "
            "divida el documento en envíos más pequeños.",
            "Stora skanningar kan nekas av er e-postserver: sänk upplösningen eller välj kompakt PDF, eller dela "
            "upp dokumentet i mindre utskick.",
        ),
        (
            "Ask your IT department whether the mail server's address, port or password changed; the device "
            "keeps them under Settings > Send > E-mail settings.",
            "Pregunte a su departamento de informática si ha cambiado la dirección, el puerto o la contraseña del "
            "servidor de correo; el equipo los guarda en Ajustes > Enviar > Ajustes de correo electrónico.",
            "Fråga er IT-avdelning om e-postserverns adress, port eller lösenord har ändrats; enheten har dem under "
            "Inställningar > Skicka > E-postinställningar.",
        ),
    ),
)

DEVICE_OFFLINE = guide(
    "device-offline",
    "device_offline",
    EVERY_MODEL,
    [],
    (
        "The device is offline on the network",
        "El equipo está desconectado de la red",
        "Enheten är inte ansluten till nätverket",
    ),
    (
        "offline network disconnected reconnect connection ethernet wifi",
        "desconectado red conexión reconectar ethernet wifi",
        "frånkopplad nätverk anslutning återansluta ethernet wifi",
    ),
    chain(
        (
            "Check that the device is switched on and awake: if the screen is dark, press the energy saver key. "
            "Devices in deep sleep may appear offline.",
            "Compruebe que el equipo está encendido y activo: si la pantalla está apagada, pulse la tecla de ahorro "
            "de energía. En reposo profundo el equipo puede aparecer desconectado.",
            "Kontrollera att enheten är påslagen och vaken: om skärmen är svart, tryck på energisparknappen. I "
            "djupt viloläge kan enheten visas som frånkopplad.",
        ),
        (
            "Check the network cable at the back of the device and at the wall socket: both ends pushed in, the "
            "light beside the port on. On Wi-Fi, check that the Wi-Fi indicator is lit.",
            "Revise el cable de red en la parte trasera del equipo y en la toma de la pared: ambos extremos bien "
            "encajados y la luz junto al puerto encendida. Con wifi, compruebe que el indicador de wifi está "
            "encendido.",
            "Kontrollera nätverkskabeln på enhetens baksida och i väggen: båda ändarna intryckta och lampan vid "
            "porten tänd. Vid wifi: kontrollera att wifi-indikatorn lyser.",
        ),
        (
            "Restart the device: switch it off with the main power switch, wait 10 seconds and switch it on "
            "again. Wait until the main menu appears.",
            "Reinicie el equipo: apáguelo con el interruptor principal, espere 10 segundos y vuelva a encenderlo. "
            "Espere a que aparezca el menú principal.",
            "Starta om enheten: stäng av den med huvudströmbrytaren, vänta 10 sekunder och slå på den igen. Vänta "
            "tills huvudmenyn visas.",
        ),
        (
            "Open Settings > Network > TCP/IP and check that the device has an IP address. If your network was "
            "changed recently, ask your IT department to give the device its address again.",
            "Abra Ajustes > Red > TCP/IP y compruebe que el equipo tiene una dirección IP. Si la red ha cambiado "
            "hace poco, pida a su departamento de informática que vuelva a asignarle su dirección.",
            "Öppna Inställningar > Nätverk > TCP/IP och kontrollera att enheten har en IP-adress. Om nätverket "
            "nyligen har ändrats, be er IT-avdelning ge enheten dess adress igen.",
        ),
    ),
)

NOISE = guide(
    "unusual-noise",
    "noise_damage",
    EVERY_MODEL,
    [],
    ("Unusual noise", "Ruido extraño", "Konstigt ljud"),
    (
        "noise grinding clicking sound loud",
        "ruido chirrido golpes sonido fuerte",
        "ljud oljud gnisslar klickar högt",
    ),
    chain(
        (
            "Open each paper drawer and look for objects that fell in: paper clips, staples, labels. Remove them "
            "and close the drawers.",
            "Abra cada bandeja de papel y busque objetos caídos: clips, grapas, etiquetas. Retírelos y cierre las "
            "bandejas.",
            "Öppna varje pappersfack och leta efter föremål som har ramlat ner: gem, häftklamrar, etiketter. Ta "
            "bort dem och stäng facken.",
        ),
        (
            "Check that the device stands level and that nothing leans against it or its output tray.",
            "Compruebe que el equipo está nivelado y que nada se apoya en él ni en su bandeja de salida.",
            "Kontrollera att enheten står plant och att inget lutar mot den eller mot utmatningsfacket.",
        ),
        (
            "If you hear grinding or smell burning, switch the device off now and leave it off: a technician will "
            "look at it.",
            "Si oye un chirrido metálico o huele a quemado, apague el equipo ahora y déjelo apagado: lo revisará "
            "un técnico.",
            "Om du hör ett malande ljud eller känner brandlukt, stäng av enheten nu och låt den vara avstängd: en "
            "tekniker tittar på den.",
        ),
    ),
)

SERVICE_CALL = guide(
    "service-call",
    "error_code",
    EVERY_MODEL,
    ["E0602", "E0000", "E0010", "E0197"],
    ("Service-call code (E code)", "Código de llamada al servicio técnico (código E)", "Servicekod (E-kod)"),
    ("service technician error", "servicio técnico error avería", "service tekniker fel"),
    [
        step(
            "s1",
            "An E code means a part of the device needs a technician. Do not open the device: note the code and "
            "open a case, we will send a technician.",
            "Un código E significa que una pieza del equipo necesita un técnico. No abra el equipo: anote el código "
            "y abra un caso; le enviaremos un técnico.",
            "En E-kod betyder att en del av enheten behöver en tekniker. Öppna inte enheten: anteckna koden och "
            "öppna ett ärende, så skickar vi en tekniker.",
        )
    ],
)

STAPLES = guide(
    "finisher-staples",
    "error_code",
    A3_COLOUR,
    ["C0135"],
    (
        "The finisher is out of staples",
        "La grapadora se ha quedado sin grapas",
        "Häftningsenheten saknar klamrar",
    ),
    ("staples stapler finisher", "grapas grapadora finalizadora", "häftklamrar häftning efterbehandlare"),
    chain(
        (
            "Open the finisher's front cover, pull out the staple cartridge by its green handle and insert a new "
            "staple case until it clicks. Close the cover.",
            "Abra la tapa frontal de la finalizadora, saque el cartucho de grapas por su asa verde e inserte una "
            "nueva caja de grapas hasta oír un clic. Cierre la tapa.",
            "Öppna efterbehandlarens frontlucka, dra ut häftkassetten i det gröna handtaget och sätt i en ny "
            "klammerask tills det klickar. Stäng luckan.",
        ),
        (
            "If staples are jammed, open the small cover at the tip of the cartridge, remove the stuck staples and "
            "close it until it clicks.",
            "Si hay grapas atascadas, abra la pequeña tapa de la punta del cartucho, retire las grapas atascadas y "
            "ciérrela hasta oír un clic.",
            "Om klamrar har fastnat: öppna den lilla luckan längst fram på kassetten, ta bort klamrarna och stäng "
            "den tills det klickar.",
        ),
    ),
)

GUIDES = [PAPER_JAM, STREAKS, REPLACE_TONER, SCAN_TO_EMAIL, DEVICE_OFFLINE, NOISE, SERVICE_CALL, STAPLES]
