import SidecarModel

// The read-only reports of the control API: counters, usage records and events.

extension ControlAPI {
    static func countersJSON(_ counters: CallCounters) -> JSONValue {
        .object([
            "total": .number(Double(counters.total)),
            "paths": .object(counters.byPath.mapValues { .number(Double($0)) }),
        ])
    }

    static func usageJSON(_ ledger: UsageLedger) -> JSONValue {
        let records = ledger.records.map { record -> JSONValue in
            var measurement = SharedState.measurementJSON(record)
            measurement.set("updateBehavior", .string(record.updateBehavior))
            measurement.set("idempotencyKey", .optional(record.idempotencyKey))
            return measurement
        }
        return .object([
            "uniqueRecords": .number(Double(ledger.records.count)),
            "deliveries": .object(ledger.usageDeliveries.mapValues { .number(Double($0)) }),
            "records": .array(records),
        ])
    }

    static func eventsJSON(_ ledger: UsageLedger) -> JSONValue {
        let events = ledger.events.map { event -> JSONValue in
            .object([
                "customerId": .string(event.customerId), "eventName": .string(event.eventName),
                "idempotencyKey": .string(event.idempotencyKey), "resourceId": .optional(event.resourceId),
                "timestamp": .optional(event.timestamp),
                "dimensions": (try? JSONParser.parse(event.dimensionsJSON)) ?? .object([:]),
            ])
        }
        return .object([
            "uniqueEvents": .number(Double(ledger.events.count)),
            "deliveries": .object(ledger.eventDeliveries.mapValues { .number(Double($0)) }),
            "events": .array(events),
        ])
    }
}
