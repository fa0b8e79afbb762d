import Dispatch

/// Checks the rule "nothing blocking on an event loop thread" (DESIGN.md §2). Every HTTP
/// event-loop queue carries a queue-specific mark; code that may block (SQLite, Redis, upstream
/// calls) calls `assertNotOnEventLoop()` first, and a debug build stops there if a handler ran
/// it on a loop. Release builds compile the assertion to nothing.
public enum EventLoopGuard {
    private static let key = DispatchSpecificKey<Bool>()

    /// Whether the caller is running on an HTTP event loop (of any server in the process).
    public static var isOnEventLoop: Bool {
        DispatchQueue.getSpecific(key: key) == true
    }

    /// Stops a debug build when called on an HTTP event loop; does nothing in release builds.
    @inlinable
    public static func assertNotOnEventLoop(
        _ what: @autoclosure () -> String = "blocking work", file: StaticString = #fileID, line: UInt = #line
    ) {
        #if DEBUG
        assertNotOnEventLoopSlow(what(), file: file, line: line)
        #endif
    }

    @usableFromInline
    static func assertNotOnEventLoopSlow(_ what: String, file: StaticString, line: UInt) {
        if isOnEventLoop {
            assertionFailure("\(what) on an HTTP event loop thread: answer later from another queue", file: file, line: line)
        }
    }

    static func mark(_ queue: DispatchQueue) {
        queue.setSpecific(key: key, value: true)
    }
}
