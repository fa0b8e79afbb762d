import SidecarModel

// Bodies of `POST /api/v1/usage` and `POST /api/v1/events` over arbitrary bytes. Each accepted
// record is stored in the outbox as the body it is forwarded in; that body, read back by the
// same validator, must give the same record (with the key and time fixed at intake), or
// upstream would see something other than what the app was acknowledged for.

private let intakeTime = "2026-11-20T08:00:00.000Z"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let usages = try? UsageInput.parseBatch(bytes) {
        require((1...UsageLimits.usagesPerRequest).contains(usages.count), "\(usages.count) usage records accepted")
        for usage in usages {
            var expected = usage
            expected.idempotencyKey = usage.idempotencyKey ?? "generated-key"
            expected.createdAt = usage.createdAt ?? intakeTime
            let body = usage.forwardedBody(idempotencyKey: expected.idempotencyKey!, createdAt: expected.createdAt!)
            let wrapped = Array(#"{"usages":["#.utf8) + body + Array("]}".utf8)
            do {
                let again = try UsageInput.parseBatch(wrapped)
                require(again == [expected], "forwarded usage differs:\n\(expected)\n\(again)")
            } catch {
                fatalError("forwarded usage refused (\(error)): \(String(decoding: body, as: UTF8.self))")
            }
        }
    }
    if let events = try? EventInput.parseBatch(bytes) {
        require((1...UsageLimits.eventsPerRequest).contains(events.count), "\(events.count) events accepted")
        for event in events {
            var expected = event
            expected.timestamp = event.timestamp ?? intakeTime
            let body = event.forwardedBody(timestamp: expected.timestamp!)
            let wrapped = Array(#"{"events":["#.utf8) + body + Array("]}".utf8)
            do {
                let again = try EventInput.parseBatch(wrapped)
                require(again == [expected], "forwarded event differs:\n\(expected)\n\(again)")
            } catch {
                fatalError("forwarded event refused (\(error)): \(String(decoding: body, as: UTF8.self))")
            }
        }
    }
    return 0
}

/// `precondition` without its message in -O builds is no use to whoever reads the crash log.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
