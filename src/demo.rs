//! Demo data: three clinics in the Inland Empire, their counselors and topics, and weekly
//! groups that give several weeks of upcoming sessions. Everything here is invented.

use crate::config::BookingSettings;
use crate::domain::ClinicZone;
use crate::domain::Language::{self, En, Es};
use crate::domain::booking::{BookingInput, NewBooking};
use crate::domain::schedule::WeeklySeries;
use crate::domain::staff::{StaffRole, hash_password};
use crate::store::bookings::{self, SeatRequest};
use crate::store::catalog::{self, NewClinic, NewCounselor, NewTopic};
use crate::store::schedule::{self, NewSeries};
use crate::store::sessions;
use crate::store::settings;
use crate::store::staff::{self, NewStaff};
use crate::tokens::new_request_key;
use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use sqlx::PgPool;

/// How far ahead the demo generates sessions.
const GENERATE_WEEKS: i64 = 6;
const SERIES_WEEKS: i64 = 52;
/// Every demo clinic is in the Inland Empire.
const TIME_ZONE: ClinicZone = ClinicZone(chrono_tz::America::Los_Angeles);

const CLINICS: [NewClinic<'static>; 3] = [
    NewClinic {
        name: "San Bernardino Community Clinic",
        short_name: "SB Clinic",
        message_name: "SB Clinic",
        address: "1200 North E Street, San Bernardino, CA 92405",
        phone: "(909) 555-0140",
        time_zone: TIME_ZONE,
        hours_en: "Monday to Friday 5:30 AM – 2:00 PM, Saturday 6:00 AM – 10:00 AM",
        hours_es: "Lunes a viernes 5:30 a. m. – 2:00 p. m., sábado 6:00 a. m. – 10:00 a. m.",
        intake_hours_en: "Monday to Friday, 8:00 AM – 4:00 PM",
        intake_hours_es: "Lunes a viernes, 8:00 a. m. – 4:00 p. m.",
        medicare_note_en: "Medicare coverage is coming soon. Call us and we will tell you the date.",
        medicare_note_es: "Pronto aceptaremos Medicare. Llámenos y le diremos la fecha.",
    },
    NewClinic {
        name: "Riverside Health Center",
        short_name: "Riverside Center",
        message_name: "Riverside Center",
        address: "3650 Market Street, Riverside, CA 92501",
        phone: "(951) 555-0172",
        time_zone: TIME_ZONE,
        hours_en: "Monday to Friday 5:00 AM – 1:30 PM, Saturday 6:00 AM – 9:30 AM",
        hours_es: "Lunes a viernes 5:00 a. m. – 1:30 p. m., sábado 6:00 a. m. – 9:30 a. m.",
        intake_hours_en: "Monday to Friday, 7:30 AM – 3:30 PM",
        intake_hours_es: "Lunes a viernes, 7:30 a. m. – 3:30 p. m.",
        medicare_note_en: "",
        medicare_note_es: "",
    },
    NewClinic {
        name: "Ontario Community Clinic",
        short_name: "Ontario Clinic",
        message_name: "Ontario Clinic",
        address: "415 West Holt Boulevard, Ontario, CA 91762",
        phone: "(909) 555-0188",
        time_zone: TIME_ZONE,
        hours_en: "Monday to Saturday 5:30 AM – 1:00 PM",
        hours_es: "Lunes a sábado 5:30 a. m. – 1:00 p. m.",
        intake_hours_en: "Monday to Friday, 8:00 AM – 3:00 PM",
        intake_hours_es: "Lunes a viernes, 8:00 a. m. – 3:00 p. m.",
        medicare_note_en: "",
        medicare_note_es: "",
    },
];

const COUNSELORS: [NewCounselor<'static>; 8] = [
    NewCounselor {
        name: "Maria Delgado",
        credentials: "LAADC",
        bio_en: "Maria has led recovery groups for twelve years. She believes everyone deserves a fresh start and a group that welcomes them.",
        bio_es: "María dirige grupos de recuperación desde hace doce años. Cree que todos merecen empezar de nuevo en un grupo que los reciba bien.",
        languages: &[En, Es],
    },
    NewCounselor {
        name: "James Whitfield",
        credentials: "CADC-II",
        bio_en: "James focuses on relapse prevention and practical coping skills. He is in long-term recovery himself.",
        bio_es: "James se enfoca en prevenir recaídas y en habilidades prácticas. Él mismo lleva muchos años en recuperación.",
        languages: &[En],
    },
    NewCounselor {
        name: "Rosa Jiménez",
        credentials: "LMFT",
        bio_en: "Rosa is a family therapist who helps people rebuild trust with the people they love.",
        bio_es: "Rosa es terapeuta familiar y ayuda a las personas a recuperar la confianza con sus seres queridos.",
        languages: &[En, Es],
    },
    NewCounselor {
        name: "David Chen",
        credentials: "LCSW",
        bio_en: "David works with stress and trauma. His groups are calm, structured and practical.",
        bio_es: "David trabaja con el estrés y el trauma. Sus grupos son tranquilos, ordenados y prácticos.",
        languages: &[En],
    },
    NewCounselor {
        name: "Angela Brooks",
        credentials: "CADC-III",
        bio_en: "Angela leads the women's groups and has a warm, direct style.",
        bio_es: "Angela dirige los grupos de mujeres y tiene un estilo cálido y directo.",
        languages: &[En],
    },
    NewCounselor {
        name: "Luis Herrera",
        credentials: "CADC-II",
        bio_en: "Luis leads Spanish-language groups and the men's group. He grew up in the Inland Empire.",
        bio_es: "Luis dirige grupos en español y el grupo de hombres. Creció en el Inland Empire.",
        languages: &[En, Es],
    },
    NewCounselor {
        name: "Patricia Moore",
        credentials: "LCSW",
        bio_en: "Patricia helps people in early recovery find their footing, one week at a time.",
        bio_es: "Patricia ayuda a las personas en recuperación temprana a encontrar estabilidad, semana a semana.",
        languages: &[En],
    },
    NewCounselor {
        name: "Gabriel Ortiz",
        credentials: "LAADC",
        bio_en: "Gabriel brings humor and patience to his groups, in English and Spanish.",
        bio_es: "Gabriel trae humor y paciencia a sus grupos, en inglés y en español.",
        languages: &[En, Es],
    },
];

const TOPICS: [NewTopic<'static>; 8] = [
    NewTopic {
        name_en: "Early recovery",
        name_es: "Recuperación temprana",
        description_en: "For your first months of treatment: what to expect, how to get through the hard days, and how to build a routine.",
        description_es: "Para sus primeros meses de tratamiento: qué esperar, cómo pasar los días difíciles y cómo crear una rutina.",
    },
    NewTopic {
        name_en: "Relapse prevention",
        name_es: "Prevención de recaídas",
        description_en: "Spot your triggers and warning signs early, and make a plan for what to do instead.",
        description_es: "Reconozca a tiempo lo que le pone en riesgo y las señales de alerta, y haga un plan para esos momentos.",
    },
    NewTopic {
        name_en: "Coping with stress and trauma",
        name_es: "Manejo del estrés y el trauma",
        description_en: "Calm your body and mind, understand how past hurt affects today, and learn tools that help.",
        description_es: "Calme su cuerpo y su mente, entienda cómo el dolor del pasado le afecta hoy y aprenda herramientas útiles.",
    },
    NewTopic {
        name_en: "Family and relationships",
        name_es: "Familia y relaciones",
        description_en: "Rebuild trust, set healthy limits and talk with the people who matter to you.",
        description_es: "Recupere la confianza, ponga límites sanos y hable con las personas que le importan.",
    },
    NewTopic {
        name_en: "Women's group",
        name_es: "Grupo de mujeres",
        description_en: "A group for women to talk openly about recovery, health, family and safety.",
        description_es: "Un grupo para que las mujeres hablen con confianza de recuperación, salud, familia y seguridad.",
    },
    NewTopic {
        name_en: "Men's group",
        name_es: "Grupo de hombres",
        description_en: "A group for men to talk about recovery, anger, work, fatherhood and staying on track.",
        description_es: "Un grupo para que los hombres hablen de recuperación, enojo, trabajo, paternidad y cómo seguir adelante.",
    },
    NewTopic {
        name_en: "Medication and recovery",
        name_es: "Medicamento y recuperación",
        description_en: "Plain facts about methadone and other medications, side effects, and myths, with room for your questions.",
        description_es: "Datos claros sobre la metadona y otros medicamentos, efectos secundarios y mitos, con tiempo para sus preguntas.",
    },
    NewTopic {
        name_en: "Mindfulness and wellness",
        name_es: "Atención plena y bienestar",
        description_en: "Sleep, food, movement and simple breathing practices that make recovery easier.",
        description_es: "Sueño, comida, movimiento y ejercicios sencillos de respiración que facilitan la recuperación.",
    },
];

/// A weekly group of the demo, by its place in the lists above.
struct SeriesPlan {
    clinic: usize,
    topic: usize,
    language: Language,
    weekday: Weekday,
    /// Local start: hour and minute.
    at: (u32, u32),
    minutes: i64,
    room: i32,
    /// Indexes into COUNSELORS.
    leads: &'static [usize],
}

#[rustfmt::skip]
const SERIES: [SeriesPlan; 18] = [
    SeriesPlan { clinic: 0, topic: 0, language: En, weekday: Weekday::Mon, at: (9, 0), minutes: 90, room: 14, leads: &[6] },
    SeriesPlan { clinic: 0, topic: 1, language: En, weekday: Weekday::Tue, at: (17, 30), minutes: 90, room: 14, leads: &[1] },
    SeriesPlan { clinic: 0, topic: 2, language: Es, weekday: Weekday::Wed, at: (10, 0), minutes: 90, room: 20, leads: &[0, 5] },
    SeriesPlan { clinic: 0, topic: 4, language: En, weekday: Weekday::Thu, at: (18, 0), minutes: 60, room: 12, leads: &[4] },
    SeriesPlan { clinic: 0, topic: 6, language: En, weekday: Weekday::Fri, at: (8, 0), minutes: 60, room: 24, leads: &[1, 6] },
    SeriesPlan { clinic: 0, topic: 3, language: Es, weekday: Weekday::Sat, at: (9, 0), minutes: 90, room: 12, leads: &[2] },
    SeriesPlan { clinic: 1, topic: 0, language: Es, weekday: Weekday::Mon, at: (18, 0), minutes: 90, room: 12, leads: &[7] },
    SeriesPlan { clinic: 1, topic: 2, language: En, weekday: Weekday::Tue, at: (9, 30), minutes: 90, room: 12, leads: &[3] },
    SeriesPlan { clinic: 1, topic: 5, language: En, weekday: Weekday::Wed, at: (18, 30), minutes: 90, room: 12, leads: &[5] },
    SeriesPlan { clinic: 1, topic: 1, language: En, weekday: Weekday::Thu, at: (10, 0), minutes: 90, room: 22, leads: &[1, 3] },
    SeriesPlan { clinic: 1, topic: 7, language: En, weekday: Weekday::Fri, at: (17, 0), minutes: 60, room: 16, leads: &[6] },
    SeriesPlan { clinic: 1, topic: 3, language: En, weekday: Weekday::Sat, at: (10, 0), minutes: 90, room: 12, leads: &[2] },
    SeriesPlan { clinic: 2, topic: 1, language: Es, weekday: Weekday::Mon, at: (10, 0), minutes: 90, room: 12, leads: &[5] },
    SeriesPlan { clinic: 2, topic: 0, language: En, weekday: Weekday::Tue, at: (18, 0), minutes: 90, room: 12, leads: &[6] },
    SeriesPlan { clinic: 2, topic: 4, language: Es, weekday: Weekday::Wed, at: (9, 0), minutes: 90, room: 12, leads: &[0] },
    SeriesPlan { clinic: 2, topic: 2, language: En, weekday: Weekday::Thu, at: (17, 30), minutes: 90, room: 24, leads: &[3, 7] },
    SeriesPlan { clinic: 2, topic: 6, language: Es, weekday: Weekday::Fri, at: (9, 0), minutes: 60, room: 12, leads: &[7] },
    SeriesPlan { clinic: 2, topic: 7, language: En, weekday: Weekday::Sat, at: (8, 30), minutes: 60, room: 12, leads: &[4] },
];

/// Seats per counselor in the demo, as a clinic would start with.
pub const SEATS_PER_COUNSELOR: i32 = 12;

/// The demo's staff logins: (e-mail, role, index into COUNSELORS for counselor accounts).
pub const STAFF: [(&str, StaffRole, Option<usize>); 4] = [
    ("admin@demo.groupcare", StaffRole::Admin, None),
    ("intake@demo.groupcare", StaffRole::Intake, None),
    ("counselor1@demo.groupcare", StaffRole::Counselor, Some(0)),
    ("counselor2@demo.groupcare", StaffRole::Counselor, Some(1)),
];

/// The demo logins that can still sign in (known e-mails, and the demo turns the second
/// factor off): `serve` refuses a non-loopback address while any is left.
pub async fn active_logins(conn: &mut sqlx::PgConnection) -> sqlx::Result<i64> {
    let emails: Vec<&str> = STAFF.iter().map(|(email, ..)| *email).collect();
    crate::store::staff::count_active(conn, &emails).await
}

/// Deactivates the demo logins (ending their sessions) and requires the second factor
/// again, as the demo had turned it off; audited. Returns how many logins it deactivated.
pub async fn remove_logins(pool: &PgPool, keys: &crate::keys::Keys) -> sqlx::Result<u64> {
    let mut tx = pool.begin().await?;
    let mut removed = 0;
    for (email, ..) in STAFF {
        if let Some(id) = crate::store::staff::id_by_email(&mut tx, email).await?
            && crate::store::staff::deactivate(&mut tx, id).await? == Some(true)
        {
            removed += 1;
        }
    }
    settings::set_flag(&mut tx, settings::REQUIRE_SECOND_FACTOR, true).await?;
    let entry = crate::store::audit::AuditEntry {
        actor_staff_id: None,
        action: crate::domain::audit::AuditAction::DemoLoginsRemoved,
        record_type: None,
        record_id: None,
        client_addr: None,
    };
    crate::store::audit::record(&mut tx, keys, &entry).await?;
    tx.commit().await?;
    Ok(removed)
}

/// Invented people who asked for seats in the demo counselors' next groups.
const DEMO_REQUESTS: [(&str, &str, &str); 6] = [
    ("Alex", "Rivera", "(909) 555-0101"),
    ("Jordan", "Smith", "(909) 555-0102"),
    ("Carmen", "Flores", "(951) 555-0103"),
    ("Taylor", "Nguyen", "(951) 555-0104"),
    ("Sam", "Okafor", "(909) 555-0105"),
    ("Lucía", "Méndez", "(909) 555-0106"),
];

/// What seeding did.
#[derive(Debug, PartialEq, Eq)]
pub struct Seeded {
    pub created: bool,
    /// The staff password when none was given: shown once, stored nowhere but hashed.
    pub generated_password: Option<String>,
}

/// Creates the demo data unless the database already has clinics: clinics, counselors,
/// topics, weekly groups, the demo staff logins (password `staff_password`, else a random one
/// returned once), and a few invented requests in the demo counselors' next groups.
pub async fn seed(pool: &PgPool, now: DateTime<Utc>, staff_password: Option<&str>) -> sqlx::Result<Seeded> {
    let generated_password =
        staff_password.is_none().then(|| crate::web::staff::auth::new_token()[..20].to_owned());
    let password =
        staff_password.map(str::to_owned).or_else(|| generated_password.clone()).unwrap_or_default();
    let hashes = tokio::task::spawn_blocking(move || STAFF.map(|_| hash_password(&password)))
        .await
        .expect("hashing does not panic");
    let Some(counselor_ids) = seed_catalog(pool, now, &hashes).await? else {
        return Ok(Seeded { created: false, generated_password: None });
    };
    seed_requests(pool, now, &counselor_ids[..2]).await?;
    Ok(Seeded { created: true, generated_password })
}

/// Everything but the requests, in one transaction. None when there was data already.
async fn seed_catalog(
    pool: &PgPool,
    now: DateTime<Utc>,
    staff_hashes: &[String],
) -> sqlx::Result<Option<Vec<i64>>> {
    let mut tx = pool.begin().await?;
    // One seeder at a time, even with several instances starting together.
    if !catalog::lock_while_empty(&mut tx).await? {
        return Ok(None);
    }
    let mut clinic_ids = Vec::new();
    for clinic in &CLINICS {
        clinic_ids.push(catalog::create_clinic(&mut tx, clinic).await?);
    }
    let mut counselor_ids = Vec::new();
    for counselor in &COUNSELORS {
        counselor_ids.push(catalog::create_counselor(&mut tx, counselor).await?);
    }
    let mut topic_ids = Vec::new();
    for topic in &TOPICS {
        topic_ids.push(catalog::create_topic(&mut tx, topic).await?);
    }
    let tz = TIME_ZONE.0;
    let today = now.with_timezone(&tz).date_naive();
    for plan in &SERIES {
        let leads: Vec<i64> = plan.leads.iter().map(|i| counselor_ids[*i]).collect();
        let series = NewSeries {
            clinic_id: clinic_ids[plan.clinic],
            topic_id: topic_ids[plan.topic],
            language: plan.language,
            schedule: WeeklySeries {
                weekday: plan.weekday,
                local_start: NaiveTime::from_hms_opt(plan.at.0, plan.at.1, 0).expect("a valid time"),
                duration: Duration::minutes(plan.minutes),
                first_date: today,
                last_date: today + Duration::weeks(SERIES_WEEKS),
                time_zone: tz,
            },
            room_capacity: plan.room,
            seats_per_counselor: SEATS_PER_COUNSELOR,
            counselor_ids: &leads,
        };
        let id = schedule::create_series(&mut tx, &series).await?;
        schedule::generate_sessions(
            &mut tx,
            id,
            &series,
            today,
            today + Duration::weeks(GENERATE_WEEKS),
            now,
        )
        .await?;
    }
    for ((email, role, counselor), hash) in STAFF.iter().zip(staff_hashes) {
        let new = NewStaff {
            email,
            password_hash: hash,
            role: *role,
            counselor_id: counselor.map(|i| counselor_ids[i]),
            clinic_ids: if *role == StaffRole::Intake { &clinic_ids } else { &[] },
        };
        staff::create_staff(&mut tx, &new).await?.expect("the demo staff are valid");
    }
    // The demo is for trying things out: no second factor needed (the login page says so).
    settings::set_flag(&mut tx, settings::REQUIRE_SECOND_FACTOR, false).await?;
    tx.commit().await?;
    Ok(Some(counselor_ids))
}

/// Three invented requests in the next bookable group of each of `counselors`.
async fn seed_requests(pool: &PgPool, now: DateTime<Utc>, counselors: &[i64]) -> sqlx::Result<()> {
    // Nobody ever opens these invented requests' manage links: any key derives them.
    let link_key = crate::tokens::new_request_key();
    let cutoff = BookingSettings::default().cutoff;
    let mut people = DEMO_REQUESTS.iter();
    for counselor in counselors {
        let session_id =
            sessions::next_led_by(&mut *pool.acquire().await?, *counselor, now + cutoff + Duration::hours(1))
                .await?;
        let Some(session_id) = session_id else { continue };
        for (first, last, phone) in people.by_ref().take(3) {
            let input = BookingInput {
                first_name: (*first).into(),
                last_name: (*last).into(),
                phone: (*phone).into(),
                consent_sms: true,
                ..BookingInput::default()
            };
            let booking = NewBooking::try_from(&input).expect("the demo requests are valid");
            let request = SeatRequest {
                session_id,
                booking: &booking,
                request_key: &new_request_key(),
                now,
                cutoff,
                link_key: link_key.as_bytes(),
                keys: None,
                source: crate::domain::booking::BookingSource::Online,
            };
            if let Err(refused) = bookings::request_seat(&mut *pool.acquire().await?, &request).await? {
                tracing::warn!(?refused, "a demo request was refused");
            }
        }
    }
    Ok(())
}
