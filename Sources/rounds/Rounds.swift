import ArgumentParser

@main
struct Rounds: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rounds",
        abstract: "A keyboard-driven inbox for healthcare community managers.",
        discussion: """
            Rounds triages patient posts from social media: answer in the thread, or redirect to a \
            private channel, with urgent and spam flags and the reasons for each decision.
            """,
        version: "0.1.0",
        subcommands: [InboxCommand.self, TriageCommand.self, ImportCommand.self, SeedCommand.self, ClaimCommand.self, ReleaseCommand.self,
                      DatabaseCommand.self, ConfigCommand.self, RespondCommand.self, SummaryCommand.self, ShiftCommand.self],
        defaultSubcommand: InboxCommand.self
    )
}
