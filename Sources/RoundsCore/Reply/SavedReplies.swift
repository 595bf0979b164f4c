import Foundation

/// A reply template a manager picks and edits. `text` holds `{{variables}}` (see
/// ``SavedReplies/variables``) filled by ``SavedReplies/render(_:_:)``.
public struct SavedReply: Sendable, Hashable {
    /// A stable key, e.g. `redirect_public`, `crisis_es`.
    public var key: String
    public var title: String
    /// The channel it is written for; ``ReplyCheck`` checks it against that channel.
    public var channel: ReplyChannel
    public var text: String
    /// BCP 47 language tag of the text (`en`, `es`).
    public var language: String

    public init(key: String, title: String, channel: ReplyChannel, text: String, language: String = "en") {
        self.key = key
        self.title = title
        self.channel = channel
        self.text = text
        self.language = language
    }

    /// The variables the text uses, in order of first use (unknown ones included).
    public var variables: [String] { SavedReplies.variableNames(in: text) }
}

/// What a template's variables stand for.
public struct ReplyContext: Sendable, Hashable {
    /// How to address the person: their first name or handle, as the manager chooses.
    public var author: String
    public var orgName: String
    public var orgPhone: String
    public var orgEmail: String
    public var portalURL: String
    public var emergencyNumber: String
    public var crisisLine: String
    /// The manager signing the reply.
    public var agent: String

    public init(author: String, orgName: String, orgPhone: String, orgEmail: String, portalURL: String,
                emergencyNumber: String, crisisLine: String, agent: String) {
        self.author = author
        self.orgName = orgName
        self.orgPhone = orgPhone
        self.orgEmail = orgEmail
        self.portalURL = portalURL
        self.emergencyNumber = emergencyNumber
        self.crisisLine = crisisLine
        self.agent = agent
    }

    /// The value of a template variable, or `nil` when the name is unknown.
    public func value(of variable: String) -> String? {
        switch variable {
        case "author": author
        case "org_name": orgName
        case "org_phone": orgPhone
        case "org_email": orgEmail
        case "portal_url": portalURL
        case "emergency_number": emergencyNumber
        case "crisis_line": crisisLine
        case "agent": agent
        default: nil
        }
    }
}

/// The built-in saved replies and the template renderer.
public enum SavedReplies {
    /// The variables a template may use, written `{{name}}`.
    public static let variables = [
        "author", "org_name", "org_phone", "org_email", "portal_url", "emergency_number", "crisis_line", "agent",
    ]

    /// The built-in saved replies: the public redirect and the private message that follows it
    /// (with e-mail and phone variants of both), a crisis reply for urgent items, a general
    /// information reply, a thank-you, and an answer to a complaint that names no care; Spanish
    /// versions of the redirect and crisis replies. Each passes ``ReplyCheck`` for its channel
    /// (tested), and each public one fits an X reply once rendered with ordinary values.
    public static var builtIn: [SavedReply] { all }

    /// The built-in reply with this key.
    public static func builtIn(_ key: String) -> SavedReply? { all.first { $0.key == key } }

    private static let all: [SavedReply] = [
        // MARK: Moving a conversation out of public view
        SavedReply(
            key: "redirect_public", title: "Move to a private message (public reply)", channel: .publicReply,
            text: """
            Hi {{author}}, thanks for reaching out. We'd like to help, and we want to keep your personal details \
            private, so please send us a direct message and we'll take it from there. – {{agent}}
            """),
        SavedReply(
            key: "redirect_public_phone", title: "Ask them to call (public reply)", channel: .publicReply,
            text: """
            Hi {{author}}, thanks for reaching out. We'd like to help, and we want to keep your personal details \
            private. Please give us a call at {{org_phone}} and we'll take it from there. – {{agent}}
            """),
        SavedReply(
            key: "redirect_public_email", title: "Ask them to e-mail (public reply)", channel: .publicReply,
            text: """
            Hi {{author}}, thanks for reaching out. We'd like to help, and we want to keep your personal details \
            private. Please e-mail us at {{org_email}} and we'll take it from there. – {{agent}}
            """),
        SavedReply(
            key: "redirect_dm", title: "Follow-up private message", channel: .privateMessage,
            text: """
            Hi {{author}}, this is {{agent}} from {{org_name}}. Thanks for getting in touch. \
            Social media isn't the safest place to share health details, so the quickest way \
            for us to help is by phone at {{org_phone}}, or with a secure message through the patient portal: \
            {{portal_url}}. If you'd rather we call you, reply with the best number and a good time, and we'll \
            ring you. If this is an emergency, please call {{emergency_number}} now.
            """),
        SavedReply(
            key: "redirect_email", title: "Follow-up e-mail", channel: .email,
            text: """
            Hi {{author}},

            Thank you for getting in touch with {{org_name}}. I'm {{agent}}, and I'll help you with this.

            So that we can look into it properly, please reply with a good phone number and a time that suits \
            you, and I'll call you. If it's easier, you can call us at {{org_phone}}, or send a secure message to \
            your care team through the patient portal at {{portal_url}}.

            If this is an emergency, please call {{emergency_number}} now.

            Best wishes,
            {{agent}}
            {{org_name}}
            """),
        SavedReply(
            key: "redirect_phone", title: "Voicemail when calling back", channel: .phone,
            text: """
            Hi, this is {{agent}} from {{org_name}}, returning your message. Please call me back at {{org_phone}} \
            when you have a moment. Thank you, and have a good day.
            """),

        // MARK: Urgent items
        SavedReply(
            key: "crisis", title: "Crisis: call now (urgent items)", channel: .publicReply,
            text: """
            {{author}}, we're really glad you reached out, and we want you to be safe right now. If you or \
            anyone with you is in danger, please call {{emergency_number}} now. You can also call or text \
            {{crisis_line}} any time, day or night. – {{agent}}
            """),
        SavedReply(
            key: "crisis_dm", title: "Crisis: private message", channel: .privateMessage,
            text: """
            {{author}}, this is {{agent}} from {{org_name}}. We saw your message and we care about what happens \
            to you. If you or anyone with you is in danger right now, please call {{emergency_number}}. You can \
            also call or text {{crisis_line}} any time, day or night, to talk with someone who is there to help. \
            You don't have to go through this alone.
            """),

        // MARK: Everyday public replies
        SavedReply(
            key: "general_info", title: "General information", channel: .publicReply,
            text: """
            Hi {{author}}, thanks for asking! Our team can give you the latest details, so give us a call at \
            {{org_phone}} and we'll be happy to help. No question is too small. – {{agent}}
            """),
        SavedReply(
            key: "thanks", title: "Thank you for a compliment", channel: .publicReply,
            text: """
            Thank you so much, {{author}}! We'll make sure the team sees your kind words. It means a lot to them, \
            and to all of us at {{org_name}}. – {{agent}}
            """),
        SavedReply(
            key: "complaint_general", title: "Complaint that names no care", channel: .publicReply,
            text: """
            Hi {{author}}, thank you for telling us, and we're sorry this has been frustrating. We've passed your \
            feedback to the people who can change it. If you'd like to talk it through, you can reach us at \
            {{org_phone}} or {{org_email}}. – {{agent}}
            """),

        // MARK: Spanish
        SavedReply(
            key: "redirect_public_es", title: "Mensaje privado (respuesta pública)", channel: .publicReply,
            text: """
            Hola, {{author}}. Gracias por escribirnos. Queremos ayudarle y cuidar su privacidad, así que por \
            favor envíenos un mensaje privado o llámenos al {{org_phone}}. – {{agent}}
            """, language: "es"),
        SavedReply(
            key: "redirect_dm_es", title: "Mensaje privado de seguimiento", channel: .privateMessage,
            text: """
            Hola, {{author}}. Le saluda {{agent}} de {{org_name}}. Gracias por escribirnos. Las redes sociales no \
            son el lugar más seguro para hablar de temas de salud, así que la forma más rápida de ayudarle es por \
            teléfono al {{org_phone}} o con un mensaje seguro en el portal del paciente: {{portal_url}}. Si \
            prefiere que le llamemos, respóndanos con su número y un buen horario. Si es una emergencia, llame \
            al {{emergency_number}} ahora mismo.
            """, language: "es"),
        SavedReply(
            key: "crisis_es", title: "Crisis: llame ahora (urgente)", channel: .publicReply,
            text: """
            {{author}}, gracias por escribirnos. Queremos que esté a salvo ahora mismo. Si usted o alguien con \
            usted está en peligro, llame al {{emergency_number}} ya. También puede llamar o enviar un texto al \
            {{crisis_line}} a cualquier hora. – {{agent}}
            """, language: "es"),
    ]

    // MARK: Rendering

    /// Replaces `{{author}}`, `{{org_name}}`, `{{org_phone}}`, `{{org_email}}`, `{{portal_url}}`,
    /// `{{emergency_number}}`, `{{crisis_line}}` and `{{agent}}` (spaces inside the braces are
    /// allowed: `{{ agent }}`). An unknown variable is left visible as written, so the manager sees
    /// it, and reported in `unknown` (once each, in order of first use). A `{{` with no closing
    /// `}}` on the same line is left alone.
    public static func render(_ template: String, _ ctx: ReplyContext) -> (text: String, unknown: [String]) {
        var out = ""
        var unknown: [String] = []
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "}}"), !after[..<close.lowerBound].contains(where: \.isNewline) else {
                out += "{{"
                rest = after
                continue
            }
            let name = after[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let value = ctx.value(of: name) {
                out += value
            } else {
                out += rest[open.lowerBound..<close.upperBound]
                if !unknown.contains(name) { unknown.append(name) }
            }
            rest = after[close.upperBound...]
        }
        out += rest
        return (out, unknown)
    }

    /// The `{{variables}}` named in a template, once each, in order.
    public static func variableNames(in template: String) -> [String] {
        var names: [String] = []
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "}}"), !after[..<close.lowerBound].contains(where: \.isNewline) else {
                rest = after
                continue
            }
            let name = after[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !names.contains(name) { names.append(name) }
            rest = after[close.upperBound...]
        }
        return names
    }
}
