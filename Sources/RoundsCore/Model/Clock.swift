import Foundation

/// The source of "now". The core never reads the system clock itself: callers inject one.
public protocol Clock: Sendable {
    var now: Date { get }
}

/// The real wall clock, for the executable's edge.
public struct SystemClock: Clock {
    public init() {}
    public var now: Date { Date() }
}

/// A clock that says what it is told: for tests, benchmarks and replays.
public final class FixedClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ date: Date) { current = date }

    public var now: Date {
        lock.lock(); defer { lock.unlock() }
        return current
    }

    /// Moves the clock forward (or back, with a negative interval).
    public func advance(by interval: TimeInterval) {
        lock.lock(); defer { lock.unlock() }
        current = current.addingTimeInterval(interval)
    }

    public func set(_ date: Date) {
        lock.lock(); defer { lock.unlock() }
        current = date
    }
}
