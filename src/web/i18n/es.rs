//! El catálogo en español: escrito para leerse fácil, no palabra por palabra.

use super::{Benefit, Messages, before_period};
use crate::domain::Language;
use crate::domain::audit::AuditAction;
use crate::domain::booking::{
    Actor, Attention, Availability, BookingSource, BookingStatus, GroupCancelKind, Payment, Unbookable,
};
use crate::domain::contact::Problem;
use crate::domain::messages::{Channel, MessageKind, MessageState};
use crate::domain::staff::StaffRole;
use crate::store::bookings::MoveRefused;
use crate::store::intake::ContactOutcome;
use crate::store::memberships::MembershipStatus;
use crate::store::outbox::Unsent;
use chrono::{Datelike, NaiveDate};

/// `martes 1 de diciembre`
pub(super) fn es_date(m: &Messages, d: NaiveDate) -> String {
    format!(
        "{} {} de {}",
        m.weekdays[d.weekday().num_days_from_monday() as usize],
        d.day(),
        m.months[d.month0() as usize]
    )
}

/// `10:00 a. m.`, `6:30 p. m.`
pub(super) fn es_time(out: &mut dyn std::fmt::Write, hour: u32, minute: u32) -> std::fmt::Result {
    let (h, suffix) = match hour {
        0 => (12, "a.\u{a0}m."),
        1..=11 => (hour, "a.\u{a0}m."),
        12 => (12, "p.\u{a0}m."),
        _ => (hour - 12, "p.\u{a0}m."),
    };
    // No-break spaces: "10:00 a. m." never splits across lines.
    write!(out, "{h}:{minute:02}\u{a0}{suffix}")
}

pub static ES: Messages = Messages {
    lang_code: "es",
    other_lang_code: "en",
    other_lang_name: "English",
    site_name: "Grupos Inland Valley",
    meta_description: "Pida un lugar en un grupo pequeño con un consejero en nuestras clínicas, a cualquier hora. Toma más o menos un minuto y no necesita una cuenta.",
    skip_to_content: "Ir al contenido principal",
    nav_label: "Principal",
    nav_home: "Inicio",
    nav_sessions: "Buscar un grupo",
    nav_counselors: "Consejeros",
    nav_privacy: "Privacidad",
    crisis_title: "¿Necesita ayuda ahora?",
    crisis_988: "Llame o mande un texto al 988 (Línea de Prevención del Suicidio y Crisis), a cualquier hora, cualquier día.",
    crisis_helpline: "Línea Nacional de Ayuda de SAMHSA: 1-800-662-4357. Gratis, privada, abierta día y noche, en español e inglés.",
    crisis_911: "Si usted u otra persona está en peligro, llame al 911.",

    home_title: "Terapia de grupo que se adapta a su vida",
    home_lead: "Nuestras clínicas tienen grupos pequeños con consejeros capacitados, como parte de su tratamiento. Puede pedir un lugar a cualquier hora, de día o de noche. Toma más o menos un minuto y no necesita una cuenta.",
    home_find_group: "Buscar un grupo",
    home_what_title: "¿Qué es la terapia de grupo?",
    home_what_text: "Un grupo pequeño de personas en recuperación se reúne con un consejero, casi siempre a la misma hora cada semana. Usted escucha, habla cuando se sienta listo y aprende cosas útiles junto con los demás. Nunca tiene que contar más de lo que quiera.",
    home_benefits_title: "Por qué ayudan los grupos",
    benefits: [
        Benefit {
            name: "No está solo",
            text: "Conocerá a personas que han pasado por lo mismo. Muchos sienten alivio solo con saberlo.",
        },
        Benefit {
            name: "Conocerse mejor",
            text: "Escuchar a otros le ayuda a ver con más claridad sus costumbres, lo que le provoca y sus fortalezas.",
        },
        Benefit {
            name: "Aprender de otros",
            text: "Practicará hablar, escuchar y llevarse bien con otros, en un lugar seguro.",
        },
        Benefit {
            name: "Ayudar a otros",
            text: "Su historia y su apoyo pueden ayudar a alguien más. Ayudar a otros le da más confianza.",
        },
        Benefit { name: "Esperanza", text: "Ver que otros mejoran le muestra que el cambio es posible." },
        Benefit {
            name: "Información útil",
            text: "Los consejeros explican con claridad la recuperación, los medicamentos y cómo mantenerse bien.",
        },
        Benefit {
            name: "Buenos hábitos",
            text: "Puede probar lo que hacen otros con el estrés, las ganas de consumir y los días difíciles.",
        },
        Benefit {
            name: "Sentirse parte de un grupo",
            text: "El grupo se vuelve un lugar donde lo aceptan y lo esperan.",
        },
        Benefit {
            name: "Desahogarse",
            text: "Decir en voz alta lo que duele, con personas que entienden, puede quitarle un peso de encima.",
        },
    ],
    home_how_title: "Cómo pedir un lugar",
    home_how_steps: [
        "Elija un grupo por clínica, día, hora, idioma o tema.",
        "Llene un formulario corto: su nombre y un teléfono. No necesita cuenta.",
        "Recibirá un número de referencia y un enlace privado para ver o cancelar su solicitud.",
        "El personal de la clínica le llamará en horario de oficina para confirmar su lugar.",
    ],
    home_clinics_title: "Nuestras clínicas",
    home_medicare: "Muy pronto aceptaremos Medicare.",
    call_label: "Llame al",

    sessions_title: "Buscar un grupo",
    sessions_lead: "Grupos de las próximas cuatro semanas. Las horas son las de cada clínica.",
    filter_legend: "Mostrar solo",
    filter_clinic: "Clínica",
    filter_topic: "Tema",
    filter_language: "Idioma",
    filter_day: "Día",
    filter_any: "Cualquiera",
    filter_submit: "Ver grupos",
    filter_clear: "Ver todos los grupos",
    sessions_none: "Ningún grupo coincide. Pruebe otro día u otra clínica, o vea todos los grupos.",
    sessions_count: |n| match n {
        1 => "1 grupo".to_owned(),
        n => format!("{n} grupos"),
    },
    led_by: "A cargo de",
    language_in_text: |l| match l {
        Language::En => "inglés",
        Language::Es => "español",
    },
    and: "y",
    language_names: |l| match l {
        Language::En => "Inglés",
        Language::Es => "Español",
    },

    home_page_title: "Bienvenida",
    counselors_page_title: "Quién dirige los grupos",
    session_page_title: |date| format!("Grupo del {date}"),
    session_when: "Cuándo",
    session_where: "Dónde",
    session_hours: "Horario de la clínica",
    session_language: "Idioma",
    session_counselors_title: "Sus consejeros",
    session_about_title: "De qué trata este grupo",
    counselor_languages: "Habla",

    form_title: "Pedir un lugar",
    form_intro: "El personal de la clínica le llamará para confirmar. No necesita una cuenta.",
    form_required_note: "Lo que tiene * es necesario.",
    form_first_name: "Nombre",
    form_last_name: "Apellido",
    form_phone: "Teléfono celular",
    form_phone_hint: "Un número de EE. UU. con código de área, como (909) 555-0123.",
    form_email: "Correo electrónico",
    form_optional: "opcional",
    form_language: "Idioma que prefiere",
    form_notes: "Nota para el personal de la clínica que le llamará",
    form_notes_hint: "Solo esas personas la leen; quien dirige su grupo no. Por ejemplo, la mejor hora para llamarle.",
    form_questions_legend: "Algunas preguntas (puede saltar cualquiera)",
    form_questions_hint: "Ayudan a la clínica a prepararse para usted. El personal de la clínica que le llama lee las respuestas; quien dirige su grupo solo ve lo que usted necesita en el grupo.",
    form_returning: "¿Ya es paciente de esta clínica?",
    form_returning_yes: "Sí",
    form_returning_no: "No, soy nuevo o nueva",
    form_adult: "¿Tiene 18 años o más?",
    form_yes: "Sí",
    form_no: "No",
    form_payment: "¿Cómo piensa pagar?",
    form_not_said: "Prefiero no decirlo",
    payment_name: |p| match p {
        Payment::MediCal => "Medi-Cal",
        Payment::Medicare => "Medicare",
        Payment::PrivateInsurance => "Seguro privado",
        Payment::SelfPay => "Pagaré yo",
        Payment::NotSure => "No estoy seguro o segura",
    },
    form_needs_ride: "Necesito ayuda con el transporte",
    form_accommodation: "¿Necesita intérprete o algo más en el grupo?",
    form_accommodation_hint: "Por ejemplo: intérprete de español, un lugar para silla de ruedas. Quien dirige su grupo ve esto.",
    answer_yes_no: |a| match a {
        Some(true) => "sí",
        Some(false) => "no",
        None => "no lo dijo",
    },
    request_needs: "Necesita en el grupo",
    roster_col_needs: "Necesita",
    form_contact_legend: "Cómo podemos comunicarnos con usted",
    form_consent_sms: "Pueden mandarme mensajes de texto sobre esta solicitud.",
    form_consent_voicemail: "Pueden dejarme un mensaje de voz.",
    form_consent_email: "Pueden mandarme correos electrónicos sobre esta solicitud.",
    form_messages_note: "Le escribimos cuando recibimos su solicitud, cuando cambia y antes de su grupo. Un mensaje dice solo un nombre neutral de la clínica, el día y la hora, la dirección, el teléfono y su propio enlace: nunca de qué trata el grupo. Responda STOP a un mensaje de texto para no recibir más.",
    form_honeypot: "Deje esto vacío",
    form_privacy_title: "Su privacidad",
    form_privacy_short: "Guardamos su nombre, su teléfono y lo que nos cuenta aquí solo para organizar su visita. Solo lo ve el personal de la clínica. Nunca lo compartimos sin su permiso por escrito.",
    form_privacy_link: "Lea el aviso de privacidad completo",
    form_submit: "Pedir un lugar",
    form_submit_waitlist: "Entrar a la lista de espera",
    form_errors_title: "Por favor revise esto:",
    form_honeypot_error: "Por favor deje vacía la última respuesta y envíe el formulario otra vez.",
    form_key_reused: "Este formulario ya se envió con otros datos. Por favor revíselo y envíelo otra vez.",
    form_key_missing: "No pudimos reconocer este formulario como nuestro. Por favor revíselo y envíelo otra vez.",
    form_closed_call: |phone| format!("Para unirse a este grupo, llame a la clínica al {phone}."),
    series_scheduled_through: |date| match date {
        Some(date) => format!("programado hasta el {date}"),
        None => "nada programado".to_owned(),
    },

    manage_title: "Su solicitud",
    manage_new_title: "Recibimos su solicitud",
    manage_reference: "Su número de referencia",
    manage_status: "Estado",
    manage_session: "Grupo",
    manage_next_title: "Qué sigue",
    manage_next_text: |hours, phone| {
        let hours = before_period(hours);
        format!(
            "El personal de la clínica le llamará en este horario: {hours}. También puede llamar a la clínica al {phone} y dar su número de referencia."
        )
    },
    manage_link_title: "Su enlace privado",
    manage_link_text: "Guarde este enlace para ver o cancelar su solicitud después. Cualquier persona que lo tenga puede ver y cancelar esta solicitud, así que no lo comparta.",
    manage_cancel: "Cancelar mi solicitud",
    manage_cancel_note: "Si no puede venir, por favor cancele para que otra persona pueda tener el lugar.",
    manage_cancelled_done: "Esta solicitud está cancelada.",
    manage_before_title: "Antes de venir",
    manage_where: "Dónde",
    manage_arrive: |time| format!("Por favor llegue 10 minutos antes, a las {}.", before_period(time)),
    manage_bring: "Traiga una identificación con foto y, si la tiene, su tarjeta de seguro o de Medi-Cal.",
    manage_call: |phone| format!("Si no puede venir o tiene preguntas, llame al {phone}."),
    manage_calendar: "Agregar a mi calendario",
    manage_group_cancelled: |why| {
        format!("La clínica canceló este grupo: {why}. Lo sentimos. Puede elegir otro grupo.")
    },
    manage_status_group_cancelled: "Cancelado por la clínica: el grupo no se realizará.",
    manage_cancelled_by_clinic: |phone| {
        format!(
            "La clínica canceló su lugar en este grupo. Llame al {phone} si tiene preguntas o para buscar otro horario."
        )
    },
    manage_status_cancelled_by_clinic: "Cancelada por la clínica.",
    manage_status_expired: "Cerrada: el grupo ya se realizó.",
    manage_expired: |phone| {
        format!(
            "El grupo se realizó antes de que la clínica pudiera confirmar su solicitud. Llame al {phone} o elija otro grupo."
        )
    },
    manage_find_another: "Buscar otro grupo",
    manage_cancel_confirm_title: "¿Cancelar esta solicitud?",
    manage_cancel_confirm_text: |when| {
        format!(
            "Su lugar del {when} será para otra persona. Si después quiere venir, tendrá que pedirlo de nuevo."
        )
    },
    manage_cancel_yes: "Sí, cancelarla",
    manage_cancel_keep: "No, quiero mi lugar",
    form_every_week: |day| {
        // "los martes"; sábado and domingo take an s.
        let days = if day.ends_with('o') { format!("{day}s") } else { day.to_owned() };
        format!("Venir todos los {days}, no solo en esta fecha")
    },
    form_medicare_note: |note| format!("Medicare: {note}"),
    form_every_week_hint: "La clínica confirma su lugar semanal una sola vez. Desde su página puede cancelar una fecha o dejar de venir cuando quiera.",
    weekly_title: "Cada semana",
    weekly_status: |status| match status {
        MembershipStatus::Requested => {
            "Usted pidió venir cada semana. La clínica le llamará para confirmar su lugar semanal."
        }
        MembershipStatus::Active => "Usted tiene un lugar semanal en este grupo.",
        MembershipStatus::Ended => "Su lugar semanal terminó.",
    },
    weekly_dates: "Sus próximas fechas",
    weekly_skip: "No puedo venir esta fecha",
    weekly_leave: "Dejar de venir cada semana",
    weekly_skip_confirm_title: "¿No viene en esta fecha?",
    weekly_skip_confirm_text: |when| {
        format!("Su lugar del {when} será para otra persona. Sus otras fechas no cambian.")
    },
    weekly_skip_yes: "Sí, no vengo esa fecha",
    weekly_leave_confirm_title: "¿Dejar de venir cada semana?",
    weekly_leave_confirm_text: "Su lugar en todas las próximas fechas será para otras personas. Si quiere volver más adelante, tendrá que pedirlo otra vez.",
    weekly_leave_yes: "Sí, dejar de venir",
    booking_status: |status, position| match status {
        BookingStatus::Requested => {
            "Solicitada: le guardamos un lugar hasta que la clínica lo confirme.".to_owned()
        }
        BookingStatus::Confirmed => "Confirmada: su lugar está reservado.".to_owned(),
        BookingStatus::Waitlisted => match position {
            Some(n) => format!(
                "En lista de espera: usted es el número {n}. Si se abre un lugar, es suyo y la clínica le llamará."
            ),
            None => "En lista de espera.".to_owned(),
        },
        BookingStatus::Cancelled => "Cancelada.".to_owned(),
        BookingStatus::Declined => {
            "La clínica no pudo darle un lugar en este grupo. Por favor llame a la clínica para buscar otro."
                .to_owned()
        }
        BookingStatus::Attended => "Usted asistió a este grupo.".to_owned(),
        BookingStatus::NoShow => {
            "No asistió a este grupo. Cuando quiera, llame a la clínica para pedir otro lugar.".to_owned()
        }
    },

    counselors_title: "Nuestros consejeros",
    counselors_lead: "Cada grupo lo dirige un consejero con licencia o certificación.",
    counselor_see_groups: "Ver sus grupos",
    counselor_upcoming: "Próximos grupos",
    counselor_no_upcoming: "No tiene grupos en las próximas cuatro semanas.",

    privacy_title: "Aviso de privacidad",
    privacy_sections: [
        (
            "Qué guardamos",
            "Cuando pide un lugar guardamos su nombre, su teléfono, su correo si lo da, el idioma que prefiere, su nota, cómo podemos comunicarnos y sus respuestas a las preguntas opcionales (si ya es paciente aquí, cómo piensa pagar, el transporte, lo que necesita en el grupo). Quien dirige su grupo solo ve lo que usted necesita en el grupo. Guardamos el historial de su solicitud: cuándo se hizo, se confirmó o se canceló.",
        ),
        (
            "Para qué lo guardamos",
            "Solo para darle un lugar en un grupo y para comunicarnos con usted sobre eso.",
        ),
        (
            "Quién lo ve",
            "Solo el personal de la clínica que lo necesita: quienes atienden las solicitudes en su clínica y el consejero de su grupo. Cada vez que alguien del personal mira o cambia sus datos, queda anotado.",
        ),
        (
            "Qué compartimos",
            "Nada, a menos que usted lo permita por escrito o la ley lo exija. Las reglas federales para registros de tratamiento de uso de sustancias (42 CFR Parte 2) y HIPAA protegen su información.",
        ),
        (
            "Cómo nos comunicamos",
            "Solo de las formas que usted marque en el formulario: mensajes de texto, correo electrónico, mensaje de voz. Le escribimos cuando recibimos su solicitud, cuando se confirma, se rechaza, se cambia o se cancela, cuando se abre un lugar para usted, si cambia la hora de su grupo o se cancela, y recordatorios antes de su grupo. Cada mensaje dice solo un nombre neutral de la clínica, el día y la hora, la dirección, el teléfono de la clínica y un enlace a su propia página: nunca de qué trata el grupo ni quién lo dirige. No enviamos mensajes de texto entre las 9 de la noche y las 8 de la mañana, salvo la respuesta a lo que usted acaba de hacer o si su grupo es temprano al día siguiente. Responda STOP para no recibir más mensajes de texto, o AYUDA para recibir el teléfono de la clínica; lo demás que nos escriba lo lee el personal de la clínica que atiende las solicitudes.",
        ),
        (
            "Sus opciones",
            "Puede cancelar su solicitud cuando quiera con su enlace privado o llamando a la clínica. Puede pedir a la clínica ver o corregir lo que guardamos.",
        ),
    ],

    error_not_found_title: "No encontramos la página",
    error_not_found: "No encontramos esa página. Tal vez cambió de lugar o la dirección tiene un error.",
    error_link_title: "Este enlace no funciona",
    error_link: "No encontramos una solicitud con este enlace. Revise que copió la dirección completa, o llame a la clínica.",
    error_internal_title: "Tuvimos un problema",
    error_internal: "Tuvimos un problema. Por favor intente otra vez en un minuto, o llame a la clínica.",
    error_rate_title: "Por favor espere un minuto",
    error_rate: "Recibimos muchas solicitudes desde su conexión. Espere un minuto e intente otra vez, o llame a la clínica.",
    error_too_large_title: "Demasiado texto",
    error_too_large: "Eso es más texto del que podemos recibir de una vez. Acorte su nota e intente otra vez.",
    error_bad_request_title: "No pudimos leer eso",
    error_bad_request: "No pudimos leer lo que se envió. Por favor regrese e intente otra vez.",
    error_back_home: "Volver al inicio",
    error_forbidden_title: "No permitido",
    error_forbidden: "Su cuenta no puede abrir esta página ni hacer esto. Si cree que sí debería, pregunte a un administrador de la clínica.",
    error_unreadable_title: "No pudimos leer el formulario",
    error_unreadable: |field| {
        format!(
            "Lo que se envió en «{field}» tiene signos que no podemos leer como letras. Por favor regrese, escríbalo otra vez y envíe el formulario."
        )
    },
    error_method_title: "Esta página no permite eso",
    error_method: "Esta dirección no acepta ese tipo de pedido. Por favor use los enlaces y botones de nuestras páginas.",
    error_timed_out_title: "Esto está tardando demasiado",
    error_timed_out: "El sitio tardó demasiado en responder. Por favor intente otra vez en un momento.",
    error_unavailable_title: "No podemos abrir nuestros registros en este momento",
    error_unavailable: "Por favor intente otra vez en unos segundos. Si estaba enviando una solicitud, puede enviarla otra vez: no se contará dos veces.",

    staff_site_name: "Personal",
    staff_login_title: "Entrada del personal",
    staff_email: "Correo electrónico",
    staff_password: "Contraseña",
    staff_sign_in: "Entrar",
    staff_code: "Código de su aplicación de autenticación",
    staff_code_hint: "Seis dígitos, o uno de sus códigos de recuperación. Déjelo vacío si todavía no activó el segundo paso.",
    enroll_title: "Active un segundo paso para entrar",
    enroll_intro: "Los registros de pacientes necesitan más que una contraseña. Use una aplicación de autenticación en su teléfono (por ejemplo Google Authenticator, Microsoft Authenticator o 2FAS).",
    enroll_scan: "1. En la aplicación, agregue una cuenta y escanee este código.",
    enroll_key: "¿No puede escanear? Escriba esta clave:",
    enroll_code: "2. Escriba el código de seis dígitos que muestra la aplicación",
    enroll_confirm: "Activar",
    enroll_wrong_code: "Ese código no coincide. Revise que la hora de su teléfono esté bien y escriba el código más nuevo.",
    enroll_done_title: "Segundo paso activado",
    enroll_recovery_text: "Guarde estos códigos de recuperación en un lugar seguro, lejos de su teléfono. Cada uno le deja entrar una vez si pierde su teléfono. Solo se muestran ahora.",
    enroll_continue: "Seguir al inicio del personal",
    enroll_already: "Su cuenta ya tiene un segundo paso para entrar.",
    staff_login_failed: "Ese correo, contraseña y código no coinciden con una cuenta. Por favor intente otra vez.",
    staff_login_locked: "Demasiados intentos de entrar. Espere hasta una hora e intente otra vez, o pregunte a un administrador.",
    staff_login_expired: "El formulario de entrada venció. Por favor intente otra vez.",
    staff_login_busy: "Muchas personas están entrando ahora mismo. Por favor intente otra vez en unos segundos.",
    staff_home_title: "Inicio del personal",
    home_to_call: "Personas a quienes llamar",
    home_today: "Grupos de hoy",
    home_no_groups_today: "Hoy no hay grupos.",
    find_title: "Buscar una reserva",
    find_label: "Número de referencia, teléfono o nombre",
    find_hint: "Lo que la persona le dice: el número de referencia de 8 caracteres, su teléfono, o su nombre y apellido. Solo se busca en sus clínicas.",
    find_submit: "Buscar",
    find_none: "Ninguna reserva de sus clínicas coincide con eso.",
    staff_signed_in_as: |email, role| format!("Entró como {email} ({role})."),
    staff_role_name: |r| match r {
        StaffRole::Admin => "administración",
        StaffRole::Intake => "admisión",
        StaffRole::Counselor => "consejería",
    },
    staff_sign_out: "Salir",
    staff_role_title: |r| match r {
        StaffRole::Admin => "Administración",
        StaffRole::Intake => "Admisión",
        StaffRole::Counselor => "Consejería",
    },
    staff_nav_catalog: "Clínicas, consejeros y temas",
    staff_idle_note: "Por privacidad, su sesión se cierra después de 15 minutos sin actividad.",
    staff_idle_warning: "Su sesión se cerrará en 2 minutos porque no ha habido actividad. Abra o recargue una página para seguir dentro; lo que no haya guardado se pierde al cerrarse.",
    staff_nav_queue: "Solicitudes",
    queue_title: "Solicitudes",
    queue_filter_status: "Estado",
    queue_filter_submit: "Ver solicitudes",
    queue_empty: "No hay solicitudes aquí.",
    queue_col_age: "Esperando",
    queue_col_person: "Persona",
    queue_col_group: "Grupo",
    queue_col_flags: "¿Repetida o se cruza?",
    queue_col_why: "Por qué llamar",
    queue_filter_reason: "Por qué",
    queue_every_reason: |n| format!("Todos los motivos ({n})"),
    queue_worklist_option: "Hay que llamar",
    queue_pages: "Páginas de la lista",
    queue_first_page: "Volver al principio",
    queue_next_page: |n| format!("Los {n} siguientes"),
    attention_name: |a| match a {
        Attention::New => "Solicitud nueva",
        Attention::Promoted => "Subió de la lista de espera",
        Attention::GroupCancelled => "La clínica canceló el grupo",
        Attention::Moved => "Cambiada a otro grupo",
        Attention::NoShow => "No vino: dar seguimiento",
        Attention::WalkIn => "Vino sin reserva: buscar su expediente",
    },
    queue_no_flags: "No",
    booked_count: |n| format!("{n} reservas"),
    flag_overlap: "Choca con otra reserva de este teléfono",
    flag_repeat: "Solicitud repetida del mismo teléfono",
    age: |d| {
        let minutes = d.num_minutes().max(0);
        match minutes {
            0..=59 => format!("{minutes} min"),
            60..=2879 => format!("{} h", minutes / 60),
            _ => format!("{} días", minutes / 1440),
        }
    },
    status_name: |s| match s {
        BookingStatus::Requested => "Solicitada",
        BookingStatus::Confirmed => "Confirmada",
        BookingStatus::Attended => "Asistió",
        BookingStatus::NoShow => "No vino",
        BookingStatus::Declined => "Rechazada",
        BookingStatus::Waitlisted => "En lista de espera",
        BookingStatus::Cancelled => "Cancelada",
    },
    request_title: |reference| format!("Solicitud {reference}"),
    request_page_title: "Solicitud",
    request_person: "Persona",
    request_phone: "Teléfono",
    request_email: "Correo",
    request_language: "Prefiere",
    request_notes: "Nota",
    request_consents: "Se le puede contactar por",
    request_consent_sms: |yes| if yes { "mensajes de texto: sí" } else { "mensajes de texto: no" },
    request_consent_voicemail: |yes| if yes { "mensaje de voz: sí" } else { "mensaje de voz: no" },
    request_consent_email: |yes| if yes { "correo electrónico: sí" } else { "correo electrónico: no" },
    request_messages: "Mensajes a la persona",
    request_sms_stopped: |when| format!("mensajes de texto: no (la persona respondió STOP, {when})"),
    request_resend: "Enviar de nuevo el último mensaje",
    request_resent: "El último mensaje se enviará de nuevo en un momento.",
    request_nothing_to_resend: "No hay ningún mensaje para enviar de nuevo, o la persona ya no acepta ninguna forma de recibir mensajes.",
    request_replies: "Mensajes de texto de la persona",
    request_no_messages: "Ningún mensaje (la persona no aceptó ninguno, o no había ninguno pendiente).",
    message_kind: |kind| match kind {
        MessageKind::RequestReceived => "solicitud recibida",
        MessageKind::Waitlisted => "en la lista de espera",
        MessageKind::PromotedFromWaitlist => "se abrió un lugar",
        MessageKind::Confirmed => "confirmada",
        MessageKind::Declined => "rechazada",
        MessageKind::Moved => "cambiada a otro grupo",
        MessageKind::CancelledByPatient => "cancelada por la persona",
        MessageKind::CancelledByClinic => "cancelada por la clínica",
        MessageKind::GroupCancelled => "grupo cancelado",
        MessageKind::GroupTimeChanged => "cambió la hora del grupo",
        MessageKind::Reminder => "recordatorio",
    },
    message_channel: |channel| match channel {
        Channel::Sms => "mensaje de texto",
        Channel::Email => "correo electrónico",
    },
    message_state: |state| match state {
        MessageState::Pending => "por enviar",
        MessageState::Sent => "enviado",
        MessageState::Failed => "falló",
        MessageState::Unsent => "no enviado",
    },
    message_default_sender: "Su clínica",
    message_subject: |kind| match kind {
        MessageKind::RequestReceived => "recibimos su solicitud",
        MessageKind::Waitlisted => "está en la lista de espera",
        MessageKind::PromotedFromWaitlist => "se abrió un lugar para usted",
        MessageKind::Confirmed => "su cita está confirmada",
        MessageKind::Declined => "no pudimos mantener su solicitud",
        MessageKind::Moved => "su cita cambió",
        MessageKind::CancelledByPatient => "usted canceló",
        MessageKind::CancelledByClinic => "su cita fue cancelada",
        MessageKind::GroupCancelled => "esta cita está cancelada",
        MessageKind::GroupTimeChanged => "nueva hora para su cita",
        MessageKind::Reminder => "recordatorio de su cita",
    },
    message_lead: |kind, position| match kind {
        MessageKind::RequestReceived => {
            "recibimos su solicitud. Le contactaremos para confirmarla.".to_owned()
        }
        MessageKind::Waitlisted => match position {
            Some(n) => {
                format!("usted es el número {n} en la lista de espera. Le avisaremos si se abre un lugar.")
            }
            None => "usted está en la lista de espera. Le avisaremos si se abre un lugar.".to_owned(),
        },
        MessageKind::PromotedFromWaitlist => {
            "se abrió un lugar para usted. Le contactaremos para confirmarlo.".to_owned()
        }
        MessageKind::Confirmed => "su cita está confirmada. Por favor llegue 10 minutos antes.".to_owned(),
        MessageKind::Declined => {
            "no pudimos mantener su solicitud. Llámenos para buscar otro horario.".to_owned()
        }
        MessageKind::Moved => "su cita cambió a un nuevo horario.".to_owned(),
        MessageKind::CancelledByPatient => {
            "usted canceló esta cita. Puede pedir otra cuando quiera.".to_owned()
        }
        MessageKind::CancelledByClinic => "cancelamos esta cita. Llámenos si tiene preguntas.".to_owned(),
        MessageKind::GroupCancelled => "esta cita está cancelada. Lo sentimos.".to_owned(),
        MessageKind::GroupTimeChanged => "su cita tiene una nueva hora.".to_owned(),
        MessageKind::Reminder => "un recordatorio de su cita.".to_owned(),
    },
    message_find_another: |url| format!("Busque otro horario: {url}"),
    message_call: |phone| format!("Preguntas: {phone}"),
    message_your_page: |url| format!("Su página: {url}"),
    calendar_summary: |sender| format!("{sender}: cita"),
    message_stopped: |sender, phone| {
        format!(
            "{sender}: no le enviaremos más mensajes de texto. Para hablar con nosotros, llame al {phone}."
        )
    },
    message_help: |sender, phone| {
        format!(
            "{sender}: para hablar con nosotros, llame al {phone}. Responda STOP si no quiere más mensajes de texto."
        )
    },
    message_unsent: |why| match why {
        Unsent::NoChannel => "no enviado: no hay un canal configurado",
        Unsent::ConsentWithdrawn => "no enviado: la persona retiró su permiso",
        Unsent::NoLongerApplies => "no enviado: ya no corresponde",
    },
    request_received: "Recibida",
    source_name: |source| match source {
        BookingSource::Phone => "por teléfono",
        BookingSource::Online => "en línea",
        BookingSource::WalkIn => "vino sin reserva",
    },
    request_history: "Historia",
    request_weekly: |status| match status {
        MembershipStatus::Requested => {
            "Cada semana: pedido, por confirmar (confirmar esta solicitud confirma todas las semanas)"
        }
        MembershipStatus::Active => "Cada semana: confirmado",
        MembershipStatus::Ended => "Cada semana: terminado",
    },
    request_weekly_end: "Terminar el lugar semanal",
    request_answers_change: "Corregir las respuestas",
    request_answers_save: "Guardar las respuestas",
    request_weekly_ended: "El lugar semanal terminó; las próximas fechas quedan canceladas.",
    request_actions: "Acciones",
    action_confirm: "Confirmar el lugar",
    action_decline: "Rechazar",
    action_cancel: "Cancelar la reserva",
    action_cancel_repeat: "Cancelar esta solicitud repetida",
    repeat_cancel_reason: "Solicitud repetida del mismo teléfono",
    decision_refused: "El estado de la solicitud ya no lo permite: quizá otra persona la decidió mientras tanto. Así está ahora.",
    action_reason: "Motivo (queda en la historia)",
    action_log_contact: "Anotar un intento de contacto",
    contact_outcome: |o| match o {
        ContactOutcome::Called => "Se llamó y se habló",
        ContactOutcome::LeftVoicemail => "Se dejó mensaje de voz",
        ContactOutcome::NoAnswer => "No contestó",
    },
    history_new: "nueva",
    history_by: |actor| match actor {
        Actor::Patient => "por la persona".to_owned(),
        Actor::System => "automáticamente".to_owned(),
        Actor::Staff(id) => format!("por el personal #{id}"),
    },
    back_to_queue: "Volver a las solicitudes",
    staff_nav_my_sessions: "Mis grupos",
    my_sessions_title: "Mis grupos",
    feed_title: "Mis grupos en mi calendario",
    feed_intro: "Un enlace privado que su aplicación de calendario puede seguir: los grupos que usted dirige, con su horario, clínica y lugares ocupados. Nunca muestra quién viene. Quien tenga el enlace ve sus grupos, así que guárdelo para usted.",
    feed_made: |date| {
        format!(
            "Su enlace de calendario se creó el {date}. Si crea uno nuevo, el anterior deja de funcionar."
        )
    },
    feed_new_link: "Su nuevo enlace de calendario. Cópielo ahora en su aplicación de calendario: solo se muestra esta vez.",
    feed_make: "Crear mi enlace de calendario",
    feed_make_again: "Crear un enlace nuevo",
    feed_stop: "Desactivar el enlace",
    feed_summary: |topic, taken, seats| format!("{topic} ({taken} de {seats} lugares ocupados)"),
    my_sessions_upcoming: "Próximos",
    my_sessions_past: "Los últimos 7 días",
    my_sessions_none: "No hay grupos aquí.",
    roster_link: "Lista",
    sheet_link: "Hoja de firmas",
    roster_title: |topic| format!("Lista: {topic}"),
    roster_empty: "Nadie tiene lugar todavía.",
    roster_col_name: "Nombre",
    roster_col_language: "Prefiere",
    roster_col_status: "Estado",
    attendance_title: "Asistencia",
    attendance_not_yet: "La asistencia se toma cuando el grupo ya empezó.",
    attendance_came: "Vino",
    roster_first_visit: "primera vez",
    walk_in_title: "Alguien vino sin reserva",
    walk_in_intro: "Agréguelo como presente hoy. Admisión buscará su expediente.",
    walk_in_add: "Agregar como presente",
    walk_in_problem: "Escriba un nombre, un apellido y un teléfono al que podamos llamar.",
    walk_in_closed: "Este grupo se canceló o terminó hace tiempo: ya no se puede agregar a nadie.",
    walk_in_already: "Alguien con este teléfono ya está en la lista de este grupo: márquelo como presente arriba.",
    roster_read_only: "Puede ver quién viene y quién vino. El consejero del grupo registra la asistencia.",
    attendance_missed: "No vino",
    attendance_save: "Guardar asistencia",
    attendance_only_confirmed: "Si marca como presente a alguien que esperaba la llamada de admisión, también queda confirmado.",
    sheet_title: "Hoja de firmas",
    sheet_col_signature: "Firma",
    sheet_print_hint: "Use el comando Imprimir de su navegador. La hoja muestra solo el nombre y la inicial del apellido.",
    back_to_my_sessions: "Volver a mis grupos",
    staff_nav_admin_sessions: "Grupos y sesiones",
    staff_nav_phone_booking: "Tomar una reserva por teléfono",
    staff_nav_series: "Grupos semanales",
    catalog_clinics: "Clínicas",
    patient_section: "Registro del paciente",
    patient_linked: "Esta solicitud pertenece a un registro de paciente.",
    patient_open: "Abrir el registro",
    patient_candidates: "Registros que pueden ser esta persona (mismo teléfono, o mismo nombre: pregunte la fecha de nacimiento)",
    patient_same_person: "Es la misma persona: unir",
    patient_no_match: "Ningún registro coincide.",
    patient_new: "O cree un registro nuevo con esta solicitud",
    patient_dob: "Fecha de nacimiento (AAAA-MM-DD, si la persona la dio)",
    patient_create: "Crear registro",
    patient_title: |name| format!("Paciente: {name}"),
    patient_bookings: "Reservas",
    patient_duplicates: "Registros que pueden ser la misma persona",
    patient_merge: "Juntar en este registro",
    patient_dob_unknown: "fecha de nacimiento desconocida",
    patient_bad_dob: "Escriba la fecha de nacimiento como AAAA-MM-DD, o déjela vacía.",
    catalog_counselors: "Consejeros",
    catalog_topics: "Temas",
    catalog_add: "Agregar",
    catalog_save: "Guardar",
    catalog_new: "Nuevo",
    field_name: "Nombre",
    field_short_name: "Nombre corto (se usa en los mensajes a pacientes)",
    field_address: "Dirección",
    field_phone: "Teléfono",
    field_time_zone: "Zona horaria (por ejemplo America/Los_Angeles)",
    field_hours_en: "Horario (en inglés)",
    field_hours_es: "Horario (en español)",
    field_intake_hours_en: "Horario de admisión (en inglés)",
    field_intake_hours_es: "Horario de admisión (en español)",
    field_message_name: "Nombre en los mensajes a pacientes (neutral; vacío: «Su clínica»)",
    message_name_not_neutral: "Elija un nombre que no diga qué trata la clínica: otras personas pueden \
                               ver el teléfono de un paciente.",
    field_credentials: "Credenciales (por ejemplo LAADC, LCSW)",
    field_bio_en: "Biografía corta (en inglés)",
    field_bio_es: "Biografía corta (en español)",
    field_languages: "Idiomas que habla",
    field_active: "Activo (se muestra y se puede reservar)",
    closures_title: "Cierres",
    closures_intro: "Cierre clínicas por un día, como un feriado. Se cancelan todos los grupos de ese día, se avisa a las personas con reserva y los grupos semanales saltan ese día desde ahora.",
    closure_new: "Cerrar por un día",
    closure_date: "Fecha",
    closure_clinics: "Clínicas",
    closure_show: "Ver a quién afecta",
    closure_preview_title: "Se cancelarán estos grupos",
    closure_no_groups: "Todavía no hay grupos ese día.",
    closure_confirm: "Cerrar y cancelar estos grupos",
    closures_upcoming: "Próximos cierres",
    closures_none: "No hay cierres próximos.",
    closure_date_needed: "Elija una fecha de hoy en adelante.",
    closure_clinic_needed: "Elija al menos una clínica.",
    field_medicare_note_en: "Nota sobre Medicare para el formulario, en inglés (p. ej., cobertura próximamente)",
    field_medicare_note_es: "Nota sobre Medicare para el formulario, en español",
    field_name_en: "Nombre (en inglés)",
    field_name_es: "Nombre (en español)",
    field_description_en: "Descripción (en inglés)",
    field_description_es: "Descripción (en español)",
    not_a_time_zone: "Escriba el nombre de una zona horaria como America/Los_Angeles.",
    series_title: "Grupos semanales",
    series_new: "Nuevo grupo semanal",
    series_edit_title: "Cambiar un grupo semanal",
    series_edit_note: "Los cambios se aplican a las sesiones que todavía no empiezan. Las sesiones pasadas conservan su hora, tamaño y consejeros.",
    series_weekday: "Día de la semana",
    series_start: "Empieza a las (hora de la clínica, HH:MM)",
    series_duration: "Duración en minutos",
    series_room: "Cupo del salón",
    series_seats_per_counselor: "Lugares por consejero",
    series_first_date: "Primera fecha",
    series_last_date: "Última fecha",
    series_counselors: "Consejeros",
    series_create: "Crear y programar",
    series_save: "Guardar cambios",
    series_edit_link: "Cambiar",
    series_invalid: "Revise los valores: horas como HH:MM, fechas como AAAA-MM-DD, duración de 15 a 480 minutos, tamaños mayores que cero.",
    series_no_counselor: "Elija al menos un consejero.",
    series_last_before_first: "La última fecha es antes de la primera.",
    series_would_strand: |held, seats| {
        format!(
            "No se guardó: una sesión próxima tiene {held} lugares ocupados y quedaría con solo {seats}. Mueva o cancele reservas primero."
        )
    },
    series_saved: |updated, cancelled, created| {
        format!(
            "Guardado: {updated} sesiones próximas cambiadas, {cancelled} canceladas, {created} agregadas."
        )
    },
    phone_booking_title: "Reserva por teléfono",
    phone_booking_intro: "Para quien llama: las mismas reglas que una solicitud en línea. Léale el aviso de privacidad antes de guardar.",
    phone_booking_session: "Grupo",
    phone_booking_submit: "Guardar la reserva",
    move_title: "Mover a otro grupo",
    move_submit: "Mover",
    move_refused: |why| match why {
        MoveRefused::UnknownSession => "Ese grupo no existe.",
        MoveRefused::Unbookable(Unbookable::Cancelled) => "Ese grupo se canceló.",
        MoveRefused::Unbookable(_) => "Ese grupo ya empezó o empieza muy pronto para recibir reservas.",
        MoveRefused::AlreadyThere => "Este teléfono ya tiene una reserva en ese grupo.",
        MoveRefused::NotActive => "Solo se pueden mover reservas activas.",
        MoveRefused::SameSession => "La reserva ya está en ese grupo.",
        MoveRefused::WeeklyPlaceElsewhere => {
            "Una semana de un lugar semanal solo se mueve a un grupo de la misma clínica. Termine el lugar semanal y reserve en la otra clínica."
        }
    },
    staff_nav_admin_staff: "Cuentas del personal y ajustes",
    staff_nav_audit: "Registro de auditoría",
    staff_nav_messages: "Mensajes a pacientes",
    messages_intro: "Los 200 mensajes más recientes a pacientes: de qué trataba cada uno, cómo se envió, en qué \
                     estado está y qué dice (con el enlace privado de la persona oculto). Aquí no se muestra \
                     el nombre ni el número de ningún paciente.",
    messages_none: "Todavía no hay mensajes.",
    messages_failed_heading: "No enviados: enviar de nuevo",
    messages_failed_intro: "Estos mensajes no se pudieron enviar, ni siquiera en el último intento. Revise los ajustes del canal, o pida a la persona otro número o dirección, y vuelva a enviarlo.",
    messages_retry: "Enviar de nuevo",
    messages_newest_heading: "Mensajes más recientes",
    admin_sessions_title: "Sesiones",
    admin_manage: "Administrar",
    admin_session_title: |topic| format!("Sesión: {topic}"),
    admin_leads: "La dirigen",
    admin_remove: "Quitar",
    admin_add_counselor: "Agregar un co-facilitador",
    admin_add: "Agregar",
    admin_cancel_session: "Cancelar esta sesión",
    admin_cancel_reason: "Motivo (queda con cada reserva cancelada)",
    call_list_title: "A quiénes afectaría",
    call_list_intro: "Todas las personas que vienen o esperan. Cada una recibe un mensaje si lo aceptó; admisión las llama para buscar otro grupo.",
    call_list_empty: "Nadie tiene lugar ni está esperando.",
    admin_cancel_kind: "Por qué (lo ven las personas con lugar)",
    group_cancel_kind: |kind| match kind {
        GroupCancelKind::ClinicClosed => "la clínica está cerrada ese día",
        GroupCancelKind::LeaderUnavailable => "la persona que dirige el grupo no está disponible",
        GroupCancelKind::RoomUnavailable => "la sala no está disponible",
        GroupCancelKind::ScheduleChanged => "cambió el horario del grupo",
        GroupCancelKind::Other => "no se pudo realizar",
    },
    admin_session_cancelled: "Esta sesión está cancelada.",
    admin_last_counselor: "Una sesión necesita al menos un consejero. Agregue otro antes de quitar a este.",
    admin_would_strand: |held, seats| {
        format!(
            "No se quitó: hay {held} lugares ocupados y sin este consejero la sesión tiene {seats}. Mueva o cancele reservas primero."
        )
    },
    admin_reason_required: "Por favor escriba un motivo.",
    admin_staff_title: "Cuentas del personal",
    admin_staff_new: "Cuenta nueva",
    admin_staff_role: "Función",
    admin_staff_counselor: "Consejero (para una cuenta de consejería)",
    admin_staff_clinics: "Clínicas (para una cuenta de admisión)",
    admin_staff_create: "Crear cuenta",
    admin_staff_deactivate: "Desactivar",
    admin_staff_access: "Cambiar función, consejero o clínicas",
    admin_staff_not_yourself: "No puede cambiar su propio acceso. Pídalo a otra persona de administración.",
    admin_staff_access_save: "Guardar acceso (vuelve a iniciar sesión)",
    admin_staff_inactive: "desactivada",
    admin_staff_new_password: "Contraseña nueva (al menos 12 caracteres)",
    admin_staff_reset: "Cambiar contraseña",
    admin_staff_second_factor: |on| if on { "segundo paso: activado" } else { "segundo paso: no activado" },
    admin_staff_email_taken: "Ya existe una cuenta con este correo.",
    admin_staff_bad_email: "Escriba un correo electrónico.",
    admin_staff_bad_password: "La contraseña debe tener de 12 a 200 caracteres.",
    admin_staff_bad_link: "Una cuenta de consejería necesita un consejero; las otras funciones no llevan.",
    admin_require_second_factor: "Pedir un segundo paso para entrar a todo el personal",
    admin_setting_on: "Sí",
    admin_setting_off: "No",
    admin_save: "Guardar",
    audit_title: "Registro de auditoría",
    audit_patient: "Paciente",
    audit_patient_hint: "Un teléfono o una referencia de reserva.",
    audit_staff: "Miembro del personal (correo)",
    audit_from: "Desde (fecha)",
    audit_to: "Hasta (fecha)",
    audit_search: "Buscar",
    audit_col_when: "Cuándo",
    audit_col_who: "Personal",
    audit_col_action: "Acción",
    audit_col_record: "Registro",
    audit_col_from: "Desde",
    audit_none: "Nada coincide.",
    audit_limited: "Se muestran las 500 entradas más nuevas.",
    audit_in_a_list_of: |n| format!("(en una lista de {n})"),
    audit_action: |action| match action {
        AuditAction::Attendance => "tomó asistencia",
        AuditAction::BookingContactLogged => "anotó un intento de contacto",
        AuditAction::BookingCreatedByPhone => "tomó una reserva por teléfono",
        AuditAction::BookingMoved => "movió una reserva",
        AuditAction::BookingConfirm => "confirmó una reserva",
        AuditAction::BookingDecline => "rechazó una reserva",
        AuditAction::BookingCancel => "canceló una reserva",
        AuditAction::Login => "entró",
        AuditAction::LoginFailed => "entrada fallida",
        AuditAction::LoginLocked => "entrada rechazada (bloqueada)",
        AuditAction::Logout => "salió",
        AuditAction::PatientCreated => "creó un registro de paciente",
        AuditAction::PatientLinked => "unió una solicitud a un paciente",
        AuditAction::PatientMerged => "juntó un registro en este",
        AuditAction::PatientMergedAway => "registro juntado en otro",
        AuditAction::SecondFactorEnrolled => "activó el segundo paso para entrar",
        AuditAction::SeriesChanged => "cambió un grupo semanal",
        AuditAction::SeriesCreated => "creó un grupo semanal",
        AuditAction::SessionCancelled => "canceló una sesión",
        AuditAction::SessionCounselorAdded => "agregó un co-facilitador",
        AuditAction::SessionCounselorRemoved => "quitó un co-facilitador",
        AuditAction::SettingSecondFactorOptional => "hizo opcional el segundo paso",
        AuditAction::SettingSecondFactorRequired => "exigió el segundo paso",
        AuditAction::StaffCreated => "creó una cuenta del personal",
        AuditAction::StaffDeactivated => "desactivó una cuenta del personal",
        AuditAction::StaffPasswordReset => "cambió una contraseña",
        AuditAction::ViewAuditLog => "vio el registro de auditoría",
        AuditAction::DemoLoginsRemoved => "se quitaron las cuentas de demostración (línea de comandos)",
        AuditAction::ViewBooking => "vio una solicitud",
        AuditAction::ViewPatient => "vio un registro de paciente",
        AuditAction::ViewQueue => "vio las solicitudes",
        AuditAction::ViewRoster => "vio una lista",
        AuditAction::ViewSignInSheet => "vio una hoja de firmas",
        AuditAction::ViewBookingInList => "vio una solicitud en una lista",
        AuditAction::ViewPatientInList => "vio un registro de paciente en una lista",
        AuditAction::ClinicsCreated => "agregó una clínica",
        AuditAction::ClinicsChanged => "cambió una clínica",
        AuditAction::CounselorsCreated => "agregó un consejero",
        AuditAction::CounselorsChanged => "cambió un consejero",
        AuditAction::TopicsCreated => "agregó un tema",
        AuditAction::TopicsChanged => "cambió un tema",
        AuditAction::MessageRetried => "volvió a enviar un mensaje que falló",
        AuditAction::MessageResent => "volvió a enviar el último mensaje",
        AuditAction::SmsConsentWithdrawn => "dejó de recibir mensajes de texto (STOP)",
        AuditAction::CalendarFeedMade => "creó un enlace de calendario",
        AuditAction::CalendarFeedStopped => "desactivó un enlace de calendario",
        AuditAction::FindBookings => "buscó una reserva",
        AuditAction::WalkInAdded => "agregó a alguien que vino sin reserva",
        AuditAction::StaffAccessChanged => "cambió el acceso de una cuenta del personal",
        AuditAction::MembershipEnded => "terminó un lugar semanal",
        AuditAction::ClinicClosed => "cerró una clínica por un día",
        AuditAction::BookingAnswersChanged => "corrigió las respuestas de admisión de una persona",
    },

    problem: |p| {
        match p {
        Problem::Required => "Por favor escriba esto.".to_owned(),
        Problem::TooLong { max } => format!("Es muy largo. Use hasta {max} letras."),
        Problem::ControlCharacters => {
            "Tiene signos escondidos que no son letras. Por favor escríbalo otra vez (los acentos y la ñ están bien).".to_owned()
        }
        Problem::NotUsPhone => {
            "Escriba un teléfono de EE. UU. con código de área, como (909) 555-0123.".to_owned()
        }
        Problem::NotEmail => "Escriba un correo como nombre@ejemplo.com, o déjelo vacío.".to_owned(),
        Problem::UnknownLanguage => "Por favor elija inglés o español.".to_owned(),
        Problem::UnknownChoice => "Por favor elija una de las respuestas, o déjela.".to_owned(),
        Problem::Under18 => "Por internet solo podemos recibir solicitudes de personas de 18 años o más. Por favor llame a la clínica: le ayudarán.".to_owned(),
    }
    },
    unbookable: |u| match u {
        Unbookable::Cancelled => "Este grupo se canceló. Por favor elija otra hora.",
        Unbookable::Started => "Este grupo ya empezó. Por favor elija otra hora.",
        Unbookable::TooSoon => "Este grupo empieza pronto: ya no se puede pedir por internet.",
    },
    availability: |a, seats_left| match a {
        Availability::Open if seats_left == 1 => "Queda 1 lugar".to_owned(),
        Availability::Open => format!("Quedan {seats_left} lugares"),
        Availability::Full => "Lleno: entre a la lista de espera".to_owned(),
        Availability::Closed => "Ya no se puede pedir por internet: llame a la clínica".to_owned(),
        Availability::Cancelled => "Cancelado".to_owned(),
    },
    weekdays: ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    format_date: es_date,
    format_time: es_time,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_read_the_spanish_way() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(es_date(&ES, d), "martes 1 de diciembre");
        let es_time = |h, m| super::super::Ui { m: &ES }.time(&d.and_hms_opt(h, m, 0).unwrap().and_utc());
        assert_eq!(es_time(10, 0), "10:00\u{a0}a.\u{a0}m.");
        assert_eq!(es_time(18, 30), "6:30\u{a0}p.\u{a0}m.");
        assert_eq!(es_time(0, 5), "12:05\u{a0}a.\u{a0}m.");
    }

    #[test]
    fn a_sentence_ending_in_a_time_has_one_period() {
        assert_eq!((ES.manage_arrive)("8:50 a. m."), "Por favor llegue 10 minutos antes, a las 8:50 a. m.");
        let next = (ES.manage_next_text)("Lunes a viernes, 8:00 a. m. – 3:00 p. m.", "(909) 555-0188");
        assert!(next.contains("3:00 p. m. También"), "{next}");
        let next = (ES.manage_next_text)("Entre semana de 8 a 4", "(909) 555-0188");
        assert!(next.contains("de 8 a 4. También"), "{next}");
    }
}
