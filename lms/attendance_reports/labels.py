"""The words each video-call service writes in its reports, per language.

Headers, section titles and keys are compared without case, accents or repeated spaces
(see `values.fold`), so one spelling per wording is enough. To read exports in another
language, add one entry to the service's table, keyed by language code, with the same
keys as the English entry; the first alias of each key is the one named in error messages.
A language listed in DAY_FIRST_LANGUAGES makes day-first the default date order.
"""

DAY_FIRST_LANGUAGES = frozenset({"es"})

ZOOM_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        # Meeting block: the older layout has "Meeting ID" and "User Email",
        # the 2024 layout "ID" and "Host".
        "meeting_id": ("Meeting ID",),
        "id": ("ID",),
        "host": ("Host",),
        "topic": ("Topic",),
        "start": ("Start Time",),
        "end": ("End Time",),
        # Participant table: "Name (Original Name)" / "User Email" before 2024,
        # "Name (original name)" / "Email" since.
        "name": ("Name (Original Name)", "Name"),
        "user_email": ("User Email",),
        "email": ("Email",),
        "join": ("Join Time",),
        "leave": ("Leave Time",),
        "duration": ("Duration (Minutes)",),
        "total_duration": ("Total Duration (Minutes)",),
        "guest": ("Guest",),
        "waiting_room": ("In Waiting Room",),
    },
}

TEAMS_LABELS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "sections": {
            "summary_2021": ("Meeting Summary",),
            "summary": ("1. Summary",),
            "participants": ("2. Participants",),
            "activities": ("3. In-Meeting Activities",),
        },
        "summary": {
            "title": ("Meeting Title",),
            "start": ("Start Time", "Meeting Start Time"),
            "end": ("End Time", "Meeting End Time"),
        },
        "columns": {
            "name": ("Name", "Full Name"),
            "first_join": ("First Join",),
            "last_leave": ("Last Leave",),
            "join": ("Join Time",),
            "leave": ("Leave Time",),
            "duration": ("Duration", "In-Meeting Duration"),
            "email": ("Email",),
            "upn": ("Participant ID (UPN)",),
            "role": ("Role",),
            "action": ("User Action",),
            "timestamp": ("Timestamp",),
        },
        "actions": {
            "joined": ("Joined",),
            "joined_before": ("Joined before",),
            "left": ("Left",),
        },
    },
    "es": {
        "sections": {
            "summary_2021": ("Resumen de la reunión",),
            "summary": ("1. Resumen",),
            "participants": ("2. Participantes",),
            "activities": ("3. Actividades en la reunión",),
        },
        "summary": {
            "title": ("Título de la reunión",),
            "start": ("Hora de inicio", "Hora de inicio de la reunión"),
            "end": (
                "Hora de finalización",
                "Hora de finalización de la reunión",
                "Hora de fin",
            ),
        },
        "columns": {
            "name": ("Nombre", "Nombre completo"),
            "first_join": ("Primera unión", "Primera entrada"),
            "last_leave": ("Última salida",),
            "join": ("Hora de unión", "Hora de entrada"),
            "leave": ("Hora de salida",),
            "duration": ("Duración", "Duración en la reunión", "Duración de la reunión"),
            "email": ("Correo electrónico",),
            "upn": (
                "Id. de participante (UPN)",
                "Id. del participante (UPN)",
                "Id de participante (UPN)",
            ),
            "role": ("Rol",),
            "action": ("Acción del usuario", "Actividad del usuario"),
            "timestamp": ("Marca de tiempo",),
        },
        "actions": {
            "joined": ("Unido", "Se unió"),
            "joined_before": ("Unido antes", "Se unió antes"),
            "left": ("Salió", "Abandonó"),
        },
    },
}

MEET_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "first_name": ("First name",),
        "last_name": ("Last name",),
        "email": ("Email",),
        "duration": ("Duration",),
        "joined": ("Time joined",),
        "exited": ("Time exited",),
    },
}


def first_label(labels: dict[str, tuple[str, ...]], key: str) -> str:
    """How a field is named in messages: its first alias."""
    return labels[key][0]
