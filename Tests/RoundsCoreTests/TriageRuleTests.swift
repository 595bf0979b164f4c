import Foundation
import Testing
@testable import RoundsCore

/// One shared engine: the lexicon loads once.
let mercyTriage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))

private func route(_ text: String) -> Route { mercyTriage.classify(text).route }
private func rules(_ text: String) -> [String] { mercyTriage.classify(text).reasons.map(\.rule) }

@Suite("Triage: the label (POLICY rules 2–15)")
struct TriageLabelTests {
    @Test("General information stays in the thread (rule 2)", arguments: [
        "what time does the cafeteria close on weekends?",
        "is there free parking for visitors at the north campus",
        "Do you accept Aetna?",
        "are you hiring respiratory therapists?",
        "¿tienen intérprete de lenguaje de señas?",
        "open sunday??",
        "👍",
    ])
    func generalInformation(_ text: String) {
        #expect(route(text) == .answerInThread)
    }

    @Test("General health education stays in the thread, even on sensitive topics (rule 3)", arguments: [
        "Can sepsis be prevented?",
        "what are the early signs of a stroke?",
        "can you get HIV from sharing a drink",
        "Is the flu shot safe during pregnancy?",
        "if someone is having a seizure do you put something in their mouth?",
    ])
    func healthEducation(_ text: String) {
        #expect(route(text) == .answerInThread)
    }

    @Test("Process questions stay in the thread (rule 4)", arguments: [
        "How do I request my records?",
        "Do I need a referral for dermatology?",
        "How much is a blood panel without insurance?",
        "how do i see my lab results on the portal?",
    ])
    func process(_ text: String) {
        #expect(route(text) == .answerInThread)
    }

    @Test("Own health disclosure goes private, even in passing (rule 5)", arguments: [
        "I have exercise-induced asthma; would these devices suit me?",
        "been on 20mg lexapro for 2 yrs, does your pharmacy do 90 day supplies?",
        "just found out I'm pregnant, which OBs are taking new patients?",
        "I had a knee replacement in 2019, is it safe for me to get an MRI?",
        "my psoriasis is flaring so bad rn",
        "Tengo diabetes tipo 2, ¿tienen clases de nutrición?",
    ])
    func ownDisclosure(_ text: String) {
        let d = mercyTriage.classify(text)
        #expect(d.route == .redirectPrivate)
        #expect(d.reasons.contains { !$0.evidence.isEmpty && $0.range != nil })
    }

    @Test("Third-party disclosure goes private (rule 6)", arguments: [
        "my dad was on the cardiac floor last week",
        "praying for Carol after her surgery",
        "mi hija de 15 años quiere empezar anticonceptivos, ¿necesita mi permiso?",
        "my 16yo has basically stopped eating and I'm scared",
    ])
    func thirdParty(_ text: String) {
        let d = mercyTriage.classify(text)
        #expect(d.route == .redirectPrivate)
        #expect(d.reasons.contains { $0.rule.hasPrefix("disclosure") || $0.rule.hasPrefix("compliment") })
    }

    @Test("An anonymous someone in a general question stays public (rule 6 exception)")
    func anonymousSomeone() {
        #expect(route("can someone with a pacemaker get an MRI?") == .answerInThread)
    }

    @Test("Appointments for a particular visit go private; how-to stays public (rule 7)")
    func appointments() {
        #expect(rules("I need to reschedule my appointment on Friday").contains("appointment"))
        #expect(route("is Dr Patel in on Friday for my refill?") == .redirectPrivate)
        #expect(route("How do I book an appointment online?") == .answerInThread)
    }

    @Test("Own results and records go private (rules 8, 13)")
    func records() {
        #expect(route("Love how my MRI report vanished from the portal again 🙄") == .redirectPrivate)
        #expect(route("en el portal me aparecen los resultados de otra persona en mi cuenta") == .redirectPrivate)
    }

    @Test("A particular bill goes private; prices and plan questions stay public (rule 9)")
    func billing() {
        #expect(rules("got a collections letter for a bill I already paid back in march").contains("billing"))
        #expect(route("me cobraron dos veces la misma consulta, ¿cómo lo arreglo?") == .redirectPrivate)
        #expect(route("Do you offer payment plans?") == .answerInThread)
    }

    @Test("Complaints about specific care go private; complaints naming no care stay public (rule 11)")
    func complaints() {
        #expect(rules("The ER nurse was so rude to my mother").contains("complaint.care"))
        #expect(route("Staff were nice but the wait was insanely long.") == .redirectPrivate)
        #expect(route("parking is $20 a day?? ridiculous") == .answerInThread)
        #expect(route("your website is broken again, can't find anything") == .answerInThread)
    }

    @Test("Compliments stay public unless they disclose (rule 12)")
    func compliments() {
        #expect(route("Shout out to the nurses on 4 West, they made my stay so much easier") == .answerInThread)
        #expect(route("Thank you to everyone who cared for my late wife") == .answerInThread)
        let chemo = mercyTriage.classify("Dr. Okafor and the oncology team held my hand thru 6 rounds of chemo. thank you!")
        #expect(chemo.route == .redirectPrivate)
        #expect(chemo.reasons.contains { $0.rule == "compliment.disclosure" })
    }

    @Test("Sarcasm about no care stays public (rule 13)")
    func sarcasm() {
        #expect(route("'Short wait times' lol sure") == .answerInThread)
    }

    @Test("Pregnancy by its term is a disclosure (rule 5)")
    func gestation() {
        #expect(route("I'm 37 weeks and really want a water birth") == .redirectPrivate)
        #expect(route("the class runs for 6 weeks starting in january") == .answerInThread)
        #expect(route("i called 2 weeks ago and nobody answered about parking") == .answerInThread)
    }
}

@Suite("Triage: identifiers (POLICY rule 10)")
struct TriageIdentifierTests {
    @Test("Identifiers make an item private", arguments: [
        ("call me at 555-867-5309 about my bill", "identifier.phone"),
        ("my cell is (312) 555 0199", "identifier.phone"),
        ("reach me on +44 20 7946 0958 please", "identifier.phone"),
        ("text 5558675309 when you can", "identifier.phone"),
        ("my email is jane.doe+care@gmail.com, please write", "identifier.email"),
        ("you can reach me at r.delgado.1975@example.com.", "identifier.email"),
        ("write to maria@clinic-mail.org...", "identifier.email"),
        ("dob 4/12/88 and my name is on the account", "identifier.date_of_birth"),
        ("dob 07.22.1979 - can't log into the portal", "identifier.date_of_birth"),
        ("born April 12, 1988 if that helps find me", "identifier.date_of_birth"),
        ("my dad was admitted on 11/02 and still no word", "identifier.visit_date"),
        ("my MRN is 00482913", "identifier.record_number"),
        ("member id XJH448812331 keeps getting rejected", "identifier.record_number"),
        ("my SSN 123-45-6789 was printed on the letter", "identifier.ssn"),
        ("I live at 1234 W Maple St, send the papers there", "identifier.address"),
        ("my name is Maria Lopez and I need my test results", "identifier.full_name"),
    ])
    func positives(_ text: String, _ rule: String) {
        let d = mercyTriage.classify(text)
        #expect(d.route == .redirectPrivate, "\(text)")
        #expect(d.reasons.contains { $0.rule == rule }, "\(text): \(d.reasons.map(\.rule))")
        #expect(d.identifiersDetected)
    }

    @Test("Look-alikes are not identifiers", arguments: [
        "we have been coming here since 2019",
        "is it $45 or $1,200 for the class?",
        "visiting hours end at 3:30pm right?",
        "which floor is room 214 on",
        "the main number (555) 010-4000 just rings and rings",
        "I emailed hello@mercyvalley.example about volunteering",
        "are you open on Dec 24?",
        "Dr. Hannah Osei is the best surgeon in the state",
        "blood drive on the 14th, 9am to 3pm",
    ])
    func negatives(_ text: String) {
        let d = mercyTriage.classify(text)
        #expect(!d.identifiersDetected, "\(text): \(d.reasons.map { "\($0.rule)=\($0.evidence)" })")
    }

    @Test("A spammer's contact details do not make spam private (rule 17)")
    func spammerContact() {
        let d = mercyTriage.classify("Make $500/day from home!! No experience needed. WhatsApp +1 (302) 555-0177")
        #expect(d.spam)
        #expect(d.route == .answerInThread)
        #expect(!d.identifiersDetected)
    }
}

@Suite("Triage: urgent (POLICY rule 16)")
struct TriageUrgentTests {
    @Test("Current danger is urgent", arguments: [
        "i don't see the point anymore",
        "won't be needing my appointment next week. goodbye everyone",
        "my husband took way too many of his oxy and he wont wake up",
        "I've had chest pain for an hour and my left arm feels heavy",
        "my dad's face is drooping on one side and he's slurring his words",
        "cant breathe, inhaler not doing anything",
        "my grandma fell and hit her head, she's on blood thinners",
        "I'm 33 weeks and I'm bleeding a lot",
        "my boyfriend shoved me into the wall again tonight",
        "ya no quiero vivir",
        "Someone just collapsed by the elevators in Garage B!!",
    ])
    func urgent(_ text: String) {
        let d = mercyTriage.classify(text)
        #expect(d.urgent, "\(text)")
        #expect(!d.spam)
        #expect(d.reasons.contains { $0.rule.hasPrefix("urgent.") && !$0.evidence.isEmpty })
    }

    @Test("Hypothetical, educational and past events are not urgent", arguments: [
        "what are the signs of a stroke?",
        "Should you give aspirin during a heart attack?",
        "can stress actually cause chest pain or is that a myth",
        "I used to feel suicidal, now I'm on the right meds and doing well",
        "last year my mom had chest pain and you misdiagnosed her",
        "suicide prevention walk this saturday, join us!",
    ])
    func notUrgent(_ text: String) {
        #expect(!mercyTriage.classify(text).urgent, "\(text)")
    }

    @Test("A recent suicidal crisis with no outcome stated is urgent, even in the past tense")
    func recentCrisis() {
        let d = mercyTriage.classify("My son told your ER nurse he wanted to kill himself last night and they sent him home with a pamphlet")
        #expect(d.urgent)
        #expect(d.route == .redirectPrivate)
    }

    @Test("Urgent does not change the label: a bystander report stays in the thread")
    func bystander() {
        let d = mercyTriage.classify("someone collapsed in your parking garage and isn't responding, send help")
        #expect(d.urgent)
        #expect(d.route == .answerInThread)
    }
}

@Suite("Triage: spam (POLICY rules 17–18)")
struct TriageSpamTests {
    @Test("Promotion, schemes, phishing, fake cures and trolling are spam", arguments: [
        "Buy 10k REAL followers cheap!! check bio",
        "Invest in bitcoin with me, guaranteed returns 💰 DM me for details",
        "Your page will be deleted for copyright infringement. Verify your account here",
        "Diabetes REVERSED in 30 days with this one kitchen spice, throw away your insulin!!! link below",
        "you people are idiots and butchers, burn in hell",
    ])
    func spam(_ text: String) {
        let d = mercyTriage.classify(text)
        #expect(d.spam, "\(text)")
        #expect(d.route == .answerInThread)
        #expect(!d.urgent)
    }

    @Test("An angry but genuine complaint is not spam")
    func genuineComplaint() {
        let d = mercyTriage.classify("You charged me $800 for a 5 minute visit, what a scam")
        #expect(!d.spam)
        #expect(d.route == .redirectPrivate)
    }

    @Test("Spam and urgent never both hold: a crisis inside a sales post is a real post (rule 18)")
    func spamAndUrgent() {
        let d = mercyTriage.classify("🔥 get my keto gummies link in bio 🔥 honestly i'm drowning in debt and i keep thinking about ending it all")
        #expect(d.urgent)
        #expect(!d.spam)
        #expect(d.route == .redirectPrivate)
    }
}

@Suite("Triage: text handling")
struct TriageTextTests {
    @Test("Every decision has a reason; private, urgent and spam ones have evidence")
    func reasons() {
        for text in ["", "👍", "hello", "my asthma", "crypto crypto", "i want to die"] {
            let d = mercyTriage.classify(text)
            #expect(!d.reasons.isEmpty)
            if d.route == .redirectPrivate || d.urgent || d.spam {
                #expect(d.reasons.contains { !$0.evidence.isEmpty })
            }
        }
    }

    @Test("Evidence ranges point at the evidence in the original UTF-8")
    func ranges() {
        let text = "Hola 👋🏽 — mi mamá tiene diabetes"
        let d = mercyTriage.classify(text)
        let utf8 = Array(text.utf8)
        for r in d.reasons {
            guard let range = r.range else { continue }
            #expect(String(decoding: utf8[range], as: UTF8.self) == r.evidence)
        }
        #expect(d.route == .redirectPrivate)
    }

    @Test("Typos in accents, apostrophes and case do not matter", arguments: [
        "MY DAD'S SURGERY WAS CANCELLED",
        "my dad’s surgery was cancelled",
        "mi mama tiene diabetes",
        "mi mamá tiene diabetes",
    ])
    func normalisation(_ text: String) {
        #expect(route(text) == .redirectPrivate)
    }

    @Test("ß folds to ss, as the vocabulary is written, and ÿ to y")
    func sharpS() {
        func hashes(_ t: String) -> [UInt64] { Tokenizer.normalisedWords(of: t).map(\.hash) }
        #expect(hashes("Straße") == hashes("strasse"))
        #expect(hashes("STRAßE") == hashes("strasse"))
        #expect(hashes("Straße") != hashes("straye"))
        #expect(hashes("ÿes") == hashes("yes"))
    }

    @Test("Hostile text does not crash and is still classified")
    func hostile() {
        let nasty = "\u{1B}]52;c;SGVsbG8=\u{07}\u{1B}[2J my \u{202E}asthma\u{202C} \u{200B}\u{200B}" + String(repeating: "é\u{301}", count: 2000)
        let d = mercyTriage.classify(nasty)
        #expect(d.route == .redirectPrivate)
        let huge = String(repeating: "word ", count: 200_000) + "my asthma"
        #expect(mercyTriage.classify(huge).route == .redirectPrivate)
        let lines = String(repeating: "line\n", count: 10_000)
        #expect(mercyTriage.classify(lines).route == .answerInThread)
    }

    @Test("Classification is deterministic")
    func deterministic() {
        let text = "my mom is 80 and was in the ER all night, no one told us anything"
        #expect(mercyTriage.classify(text) == mercyTriage.classify(text))
    }
}

@Suite("Lexicon files")
struct LexiconTests {
    @Test("The bundled vocabulary loads and knows its tags")
    func bundled() {
        let lex = Lexicon.bundled
        #expect(lex.phraseCount > 1000)
        #expect(lex.tags(ofPhrase: "chest pain").contains(.urgentChest))
        #expect(lex.tags(ofPhrase: "Mamá").contains(.relation))
        #expect(lex.tags(ofPhrase: "I'm").contains(.selfSubject))
    }

    @Test("Errors in a lexicon file name the file and line")
    func errors() {
        var lex = Lexicon()
        #expect(throws: LexiconError.self) { try lex.add(source: "[selfSubject]\ni\n[noSuchTag]\nx\n", file: "bad.txt") }
        do {
            try lex.add(source: "# comment\nphrase before section\n", file: "x.txt")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "x.txt:2: phrase before any [section]")
        }
        #expect(throws: LexiconError.self) { try lex.add(source: "[symptom]\nab*\n", file: "short.txt") }
    }

    @Test("A word* entry matches longer words, including past the eighth prefix length")
    func prefixes() throws {
        var lex = Lexicon()
        try lex.add(source: "[bloodThinner]\nanticoagula*\n[symptom]\nabc*\nabcd*\nabcde*\nabcdef*\nabcdefg*\nabcdefgh*\nabcdefghi*\nabcdefghij*\n", file: "t.txt")
        let t = Triage(lexicon: lex)
        let found = t.matchedPhrases("toma anticoagulantes")
        #expect(found.contains { $0.phrase == "anticoagulantes" && $0.tags.contains(.bloodThinner) })
    }
}
