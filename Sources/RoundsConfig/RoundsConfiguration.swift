import Foundation
import RoundsCore

/// The organisation's public identity and channels.
public struct Organisation: Sendable, Hashable {
    public var name: String
    public var phones: [String]
    public var emails: [String]
    public var portalURL: String?
    public var emergencyNumber: String
    public var crisisLine: String
    public var timeZone: TimeZone

    public init(name: String = "our team", phones: [String] = [], emails: [String] = [], portalURL: String? = nil,
                emergencyNumber: String = "911", crisisLine: String = "988", timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.name = name
        self.phones = phones
        self.emails = emails
        self.portalURL = portalURL
        self.emergencyNumber = emergencyNumber
        self.crisisLine = crisisLine
        self.timeZone = timeZone
    }
}

/// Everything Rounds reads from its config file.
public struct RoundsConfiguration: Sendable {
    public var organisation: Organisation
    public var policies: [SLAPolicy]
    public var calendar: BusinessCalendar
    /// Where it came from (a path, or "built-in defaults").
    public var source: String
    /// Key bindings to change: action name → key (`reply = "r"`, `send = "C-s"`), from `[keys]`.
    public var keys: [String: String] = [:]
    /// Extra phrases the reply check warns about, from `[replies] jargon`.
    public var extraJargon: [String] = []

    public init(organisation: Organisation = Organisation(), policies: [SLAPolicy] = SLAPolicy.hospitalDefaults,
                calendar: BusinessCalendar? = nil, source: String = "built-in defaults") {
        self.organisation = organisation
        self.policies = policies
        self.calendar = calendar ?? .officeHours(organisation.timeZone)
        self.source = source
    }

    public var triageOptions: TriageOptions {
        TriageOptions(organisationPhones: organisation.phones, organisationEmails: organisation.emails)
    }

    public var slaEngine: SLAEngine { SLAEngine(policies: policies, calendar: calendar) }

    /// The text of the built-in config file (a sample organisation).
    public static var defaultFileText: String {
        let url = Bundle.module.url(forResource: "config", withExtension: "toml")!
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    /// The built-in configuration.
    public static var builtIn: RoundsConfiguration {
        // The bundled file is tested; a failure here is a packaging bug.
        let parsed = try! ConfigParser.parse(defaultFileText, source: "built-in defaults")
        return parsed.config
    }
}
