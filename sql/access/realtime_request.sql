-- What Realtime sets, transaction-local, before it checks a client's rights on a private channel.
select set_config('role', %(role)s, true),
       set_config('realtime.topic', %(topic)s, true),
       set_config('request.jwt.claims', %(claims)s, true),
       set_config('request.jwt.claim.sub', %(sub)s, true),
       set_config('request.jwt.claim.role', %(role)s, true),
       set_config('request.headers', %(headers)s, true)
