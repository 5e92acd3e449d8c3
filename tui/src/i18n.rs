//! The screen's own words (titles, key hints, labels) in English and Danish. The guidance sentences
//! live in `idgate_api::guidance`; only what is not guidance is here.

use idgate_api::Lang;

/// One phrase in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phrase {
    pub en: &'static str,
    pub da: &'static str,
}

impl Phrase {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Da => self.da,
        }
    }
}

macro_rules! phrases {
    ($( $name:ident: $en:literal / $da:literal; )*) => {
        $( pub const $name: Phrase = Phrase { en: $en, da: $da }; )*
    };
}

phrases! {
    TITLE: "Identity check" / "Identitetskontrol";
    STEP_CODE: "Code" / "Kode";
    STEP_CHIP: "Chip" / "Chip";
    STEP_FACE: "Face" / "Ansigt";
    STEP_RESULT: "Result" / "Resultat";

    WELCOME_HEADING: "Prove who you are with your passport" / "Bekræft hvem du er med dit pas";
    WELCOME_NEED: "You need: your passport (take it out of any cover or wallet)." / "Du skal bruge: dit pas (tag det ud af etui eller pung).";
    WELCOME_STEP_CODE: "Scan the code on the photo page, or type it in." / "Scan koden på billedsiden, eller indtast den.";
    WELCOME_STEP_CHIP: "Place the passport on the reader so its chip can be read." / "Læg passet på læseren, så chippen kan læses.";
    WELCOME_STEP_FACE: "Look into the camera so your face can be compared with the photo in the chip." / "Se ind i kameraet, så dit ansigt kan sammenlignes med billedet i chippen.";
    WELCOME_START: "Press Enter to start." / "Tryk Enter for at begynde.";
    WELCOME_NO_READER: "The chip reader is not connected. Please ask staff." / "Chiplæseren er ikke tilsluttet. Spørg venligst personalet.";
    WELCOME_NO_CAMERA: "The camera is not connected: you can type the code in, but the face step needs the camera." / "Kameraet er ikke tilsluttet: du kan indtaste koden, men ansigtstrinnet kræver kameraet.";

    CODE_HEADING: "Step 1: the code on the photo page" / "Trin 1: koden på billedsiden";
    CODE_HOLD: "Hold the photo page up to the camera with the code inside the frame." / "Hold billedsiden op foran kameraet med koden inde i rammen.";
    CODE_READ_SO_FAR: "Read so far" / "Læst indtil nu";
    CODE_NOTHING_YET: "Nothing read yet." / "Intet læst endnu.";
    CODE_UNCERTAIN: "Marked characters are uncertain." / "Markerede tegn er usikre.";
    CODE_NO_PREVIEW: "Waiting for the camera…" / "Venter på kameraet…";

    MANUAL_HEADING: "Type in the information from your passport" / "Indtast oplysningerne fra dit pas";
    MANUAL_DOC: "Document number" / "Dokumentnummer";
    MANUAL_BIRTH: "Date of birth" / "Fødselsdato";
    MANUAL_EXPIRY: "Date of expiry" / "Udløbsdato";
    MANUAL_CAN: "CAN (if printed)" / "CAN (hvis trykt)";
    MANUAL_DATE_HINT: "DD.MM.YYYY" / "DD.MM.ÅÅÅÅ";
    MANUAL_DOC_HINT: "letters and digits, as printed" / "bogstaver og cifre, som trykt";
    MANUAL_CAN_HINT: "card access number: 6 digits, optional" / "kortadgangsnummer: 6 cifre, valgfrit";
    MANUAL_SUBMIT: "Enter: send  Tab/↑↓: next field  Esc: back to the camera" / "Enter: send  Tab/↑↓: næste felt  Esc: tilbage til kameraet";
    MANUAL_SENDING: "Checking…" / "Kontrollerer…";


    CHIP_HEADING: "Step 2: the chip" / "Trin 2: chippen";
    CHIP_PLACE: "Place the passport on the reader and keep it still." / "Læg passet på læseren, og hold det stille.";
    CHIP_WAITING: "Waiting for the passport…" / "Venter på passet…";
    CHIP_READING: "Reading the chip" / "Læser chippen";

    FACE_HEADING: "Step 3: your face" / "Trin 3: dit ansigt";
    FACE_LOOK: "Look straight into the camera." / "Se direkte ind i kameraet.";
    FACE_NO_PREVIEW: "Waiting for the camera…" / "Venter på kameraet…";
    FACE_PROGRESS: "Checking" / "Kontrollerer";

    RESULT_VERIFIED: "Identity verified" / "Identitet bekræftet";
    RESULT_VERIFIED_BODY: "Thank you. You can take your passport." / "Tak. Du kan tage dit pas.";
    RESULT_NOT_VERIFIED: "Not verified" / "Ikke bekræftet";
    RESULT_CANCELLED: "Cancelled" / "Afbrudt";
    RESULT_REASONS: "Why" / "Hvorfor";
    RESULT_CHECKS: "Checks" / "Kontroller";
    RESULT_ALTERNATIVES: "Other ways" / "Andre muligheder";
    RESULT_TAKE_PASSPORT: "Remember to take your passport." / "Husk at tage dit pas.";
    CHECK_PASSED: "passed" / "bestået";
    CHECK_FAILED: "failed" / "ikke bestået";
    CHECK_NOT_SUPPORTED: "not offered by this passport" / "understøttes ikke af dette pas";
    CHECK_NOT_RUN: "not reached" / "ikke nået";
    SIMULATED: "SIMULATED" / "SIMULERET";
    WEAKENED: "WEAKENED" / "SVÆKKET";
    WEAKENED_HEADING: "Settings that weaken this station:" / "Indstillinger, der svækker stationen:";

    UPDATE_HEADING: "Update needed" / "Opdatering nødvendig";
    UPDATE_VERSIONS: "Station interface version" / "Stationens grænsefladeversion";
    UPDATE_OURS: "this front end speaks version" / "denne brugerflade taler version";
    LOST_HEADING: "The station stopped responding" / "Stationen svarer ikke længere";
    LOST_BODY: "Please ask staff." / "Spørg venligst personalet.";

    ATTEMPT: "Attempt" / "Forsøg";
    WORKING: "Please wait…" / "Vent venligst…";
    NOTICE_NO_DEVICE: "The chip reader or the camera is not connected. Please ask staff." / "Chiplæseren eller kameraet er ikke tilsluttet. Spørg venligst personalet.";
    NOTICE_BUSY: "The station is busy. Try again in a moment." / "Stationen er optaget. Prøv igen om lidt.";
    NOTICE_WRONG_STEP: "That is not possible right now." / "Det er ikke muligt lige nu.";
    NOTICE_NOT_OURS: "This screen no longer controls the station. Please ask staff." / "Denne skærm styrer ikke længere stationen. Spørg venligst personalet.";
    NOTICE_TIMEOUT: "The station did not answer in time. Try again." / "Stationen svarede ikke i tide. Prøv igen.";
    NOTICE_REFUSED: "The station could not do that." / "Stationen kunne ikke gøre det.";

    KEY_START: "Enter start" / "Enter begynd";
    KEY_MANUAL: "M type it in" / "M indtast";
    KEY_RETRY: "R try again" / "R prøv igen";
    KEY_DONE: "Enter done" / "Enter færdig";
    KEY_HELP: "F1 help" / "F1 hjælp";
    KEY_LANG: "F2 dansk" / "F2 English";
    KEY_QUIT: "Ctrl-Q quit" / "Ctrl-Q afslut";

    HELP_TITLE: "Keys" / "Taster";
    HELP_START: "start / done" / "begynd / færdig";
    HELP_MANUAL: "type the code in instead of scanning (step 1)" / "indtast koden i stedet for at scanne (trin 1)";
    HELP_FIELDS: "next / previous field while typing" / "næste / forrige felt under indtastning";
    HELP_BACK: "leave typing, close this help" / "forlad indtastning, luk denne hjælp";
    HELP_RETRY: "try the current step again" / "prøv det aktuelle trin igen";
    HELP_LANG: "switch language" / "skift sprog";
    HELP_ATTENDANT: "staff: cancel and start over" / "personale: afbryd og start forfra";
    HELP_QUIT: "staff: quit (releases the station)" / "personale: afslut (frigiver stationen)";
    HELP_CLOSE: "Press Esc or F1 to close." / "Tryk Esc eller F1 for at lukke.";
}
