print("entitlement-sidecar")
