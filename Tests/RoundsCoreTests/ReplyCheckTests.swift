import Foundation
import Testing
@testable import RoundsCore

private let triage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))
private let check = ReplyCheck(triage: triage)

private func item(_ text: String, platform: Platform = .facebook) -> Item {
    Item(id: "1", platform: platform, kind: .comment, text: text, receivedAt: Date(timeIntervalSince1970: 0), author: Author(handle: "@a"))
}

private func codes(_ issues: [ReplyIssue]) -> [String] { issues.map(\.code) }

@Suite("Reply check")
struct ReplyCheckTests {
    @Test("An empty reply is blocked on every channel")
    func empty() {
        for channel in ReplyChannel.allCases {
            let issues = check.check(reply: "  \n ", to: item("hello"), channel: channel)
            #expect(codes(issues) == ["empty"])
            #expect(issues.first?.severity == .block)
        }
    }

    @Test("A public reply that repeats the health detail of a private post is blocked, with the term")
    func repeatsHealthDetail() throws {
        let post = item("My asthma is flaring again since my visit, what should I do?")
        let issues = check.check(reply: "So sorry your asthma is flaring! Please send us a message.", to: post, channel: .publicReply)
        let block = try #require(issues.first { $0.severity == .block })
        #expect(block.code == "repeats_health_detail" || block.code == "discloses_health_detail")
        #expect(block.message.lowercased().contains("asthma"))
        let range = try #require(block.range)
        #expect("So sorry your asthma is flaring! Please send us a message."[range].lowercased().contains("asthma"))
        // The same words in a private message are fine.
        #expect(check.check(reply: "So sorry your asthma is flaring!", to: post, channel: .privateMessage).allSatisfy { $0.severity != .block })
    }

    @Test("Greeting the writer by a handle that contains a health word is not a repeat; the word elsewhere still is")
    func handleIsNotARepeat() {
        let post = Item(id: "1", platform: .facebook, kind: .comment, text: "My asthma is flaring since my visit, can I come in?",
                        receivedAt: Date(timeIntervalSince1970: 0), author: Author(handle: "@Asthma_Mum"))
        let greeting = "Hi @asthma_mum, thanks for reaching out. Please send us a direct message."
        #expect(check.check(reply: greeting, to: post, channel: .publicReply).allSatisfy { $0.severity != .block })
        let repeated = check.check(reply: greeting + " Sorry about the asthma.", to: post, channel: .publicReply)
        #expect(repeated.contains { $0.code == "repeats_health_detail" })
    }

    @Test("A public reply that repeats the patient's phone number is blocked; the organisation's own number is not")
    func identifiers() {
        let post = item("please call me back at 555-867-5309 about my bill")
        let bad = check.check(reply: "We will call you at 555-867-5309 today.", to: post, channel: .publicReply)
        #expect(bad.contains { $0.code == "repeats_identifier" && $0.severity == .block && $0.message.contains("repeats") })
        let good = check.check(reply: "Please call our billing team at (555) 010-4000, we're glad to help.", to: post, channel: .publicReply)
        #expect(!good.contains { $0.code == "repeats_identifier" })
    }

    @Test("The public redirect acknowledgement passes the check")
    func redirectAcknowledgementPasses() throws {
        let ctx = ReplyContext(author: "@a", orgName: "Mercy Valley Health", orgPhone: "(555) 010-4000", orgEmail: "hello@mercyvalley.example",
                               portalURL: "https://portal.mercyvalley.example", emergencyNumber: "911", crisisLine: "988", agent: "dana")
        let template = try #require(SavedReplies.builtIn("redirect_public"))
        let rendered = SavedReplies.render(template.text, ctx)
        #expect(rendered.unknown.isEmpty)
        let post = item("My chemo starts Monday and I'm scared about the side effects, room 412")
        #expect(check.check(reply: rendered.text, to: post, channel: .publicReply).allSatisfy { $0.severity != .block })
    }

    @Test("Corporate jargon warns, never blocks, and suggests plainer words")
    func jargon() throws {
        let issues = check.check(reply: "Per our policy we apologize for any inconvenience.", to: item("when are you open?"), channel: .publicReply)
        let jargon = issues.filter { $0.code == "jargon" }
        #expect(jargon.count >= 2)
        #expect(jargon.allSatisfy { $0.severity == .warn })
        #expect(!issues.contains { $0.severity == .block })
        // A configured phrase is added to the list.
        let custom = ReplyCheck(triage: triage, jargon: ["synergize -> work together"])
        let c = custom.check(reply: "We synergize with your GP.", to: item("hi"), channel: .privateMessage)
        #expect(codes(c) == ["jargon"])
        #expect(c[0].message.contains("work together"))
        #expect(custom.check(reply: "We work together with your GP.", to: item("hi"), channel: .privateMessage).isEmpty)
    }

    @Test("Length limits warn on public replies per platform; X counts a link as 23")
    func lengthLimits() {
        let long = String(repeating: "a", count: 281)
        #expect(codes(check.check(reply: long, to: item("hi", platform: .x), channel: .publicReply)) == ["too_long"])
        #expect(check.check(reply: long, to: item("hi", platform: .facebook), channel: .publicReply).isEmpty)
        #expect(check.check(reply: long, to: item("hi", platform: .x), channel: .privateMessage).isEmpty)
        let withLink = String(repeating: "b", count: 250) + " https://example.org/" + String(repeating: "x", count: 200)
        #expect(ReplyCheck.length(withLink, on: .x) == 250 + 1 + 23)
    }

    @Test("An internal note is only checked for being empty")
    func notes() {
        #expect(check.check(reply: "Her asthma, call 555-867-5309, per our policy", to: item("my asthma, 555-867-5309"), channel: .internalNote).isEmpty)
    }

    @Test("Blocks come before warnings")
    func ordering() {
        let issues = check.check(reply: "Per our policy, we hope your asthma settles.", to: item("my asthma is bad today"), channel: .publicReply)
        let firstWarn = issues.firstIndex { $0.severity == .warn } ?? issues.count
        #expect(issues.prefix(firstWarn).allSatisfy { $0.severity == .block })
        #expect(issues.contains { $0.severity == .block })
    }
}

@Suite("Saved replies")
struct SavedRepliesTests {
    let ctx = ReplyContext(author: "@maria", orgName: "Mercy Valley Health", orgPhone: "(555) 010-4000", orgEmail: "hello@mercyvalley.example",
                           portalURL: "https://portal.mercyvalley.example", emergencyNumber: "911", crisisLine: "988", agent: "dana")

    @Test("Variables are filled in; unknown ones are reported and left visible")
    func render() {
        let r = SavedReplies.render("Hi {{author}}, call {{org_phone}} or see {{portal_url}}. {{nonsense}}", ctx)
        #expect(r.text.contains("@maria"))
        #expect(r.text.contains("(555) 010-4000"))
        #expect(r.text.contains("https://portal.mercyvalley.example"))
        #expect(r.unknown == ["nonsense"])
        #expect(r.text.contains("{{nonsense}}"))
    }

    @Test("Every built-in reply renders with no unknown variable; the crisis reply names 911 and 988")
    func builtIns() throws {
        let keys = Set(SavedReplies.builtIn.map(\.key))
        #expect(keys.isSuperset(of: ["redirect_public", "redirect_dm", "crisis"]))
        for reply in SavedReplies.builtIn {
            #expect(SavedReplies.render(reply.text, ctx).unknown.isEmpty, "\(reply.key)")
        }
        let crisis = SavedReplies.render(try #require(SavedReplies.builtIn("crisis")).text, ctx).text
        #expect(crisis.contains("911") && crisis.contains("988"))
    }
}
