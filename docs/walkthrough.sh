#!/usr/bin/env bash
# The README's walkthrough, run as written: everything below the line of dashes
# is the README's "Walkthrough" block followed by its cookie-mode block, and
# packages/server/test/docs/walkthrough.test.ts keeps the two identical and
# runs this script against a real server. Run it yourself from the clone, with
# the server running (`npm start`) on a fresh database:
#   bash docs/walkthrough.sh
set -eu
# ------------------------------------------------------------------------------
B=${B:-http://127.0.0.1:8888}   # the server (npm start); set B to use another
json='content-type: application/json'
# get FIELD: one field of the JSON answer on standard input
get() { node -p "JSON.parse(require('fs').readFileSync(0, 'utf8')).$1"; }

# Register, then log in from a named device
curl -s -X POST $B/auth/register -H "$json" -d '{"username":"alice","password":"correct horse battery staple"}'
# {"id":"6f1c…","username":"alice","role":"user","createdAt":"2026-11-23T19:40:03.486Z"}

TOKENS=$(curl -s -X POST $B/auth/login -H "$json" \
  -d '{"username":"alice","password":"correct horse battery staple","device":"laptop"}')
echo "$TOKENS"
# {"accessToken":"eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCIs…","refreshToken":"jgr1_…",
#  "tokenType":"Bearer","expiresIn":900,"refreshAfter":1795463253}
ACCESS=$(echo "$TOKENS" | get accessToken)
REFRESH=$(echo "$TOKENS" | get refreshToken)

# A protected route: Bearer, or the bare token as go-zero sends it
curl -s $B/auth/me -H "Authorization: Bearer $ACCESS"
curl -s $B/auth/me -H "Authorization: $ACCESS"
# {"user":{"id":"6f1c…","username":"alice","role":"user",…},"sessionId":"LzOh…","claims":{…}}

curl -s -o /dev/null -w '%{http_code}\n' $B/auth/me   # 401, with WWW-Authenticate: Bearer realm="jwtgate"

# Rotate the refresh token: the old one is spent
curl -s -X POST $B/auth/refresh -H "$json" -d "{\"refreshToken\":\"$REFRESH\"}"
# {"accessToken":"eyJ…","refreshToken":"jgr1_…",…}
# Presented again within 10 s (a second tab) it returns the same successor;
# presented later, it counts as theft and ends the session:
sleep 11
curl -s -X POST $B/auth/refresh -H "$json" -d "{\"refreshToken\":\"$REFRESH\"}"
# {"error":{"code":"ERR_REFRESH_TOKEN_REUSED","message":"The refresh token was already used; the session has been revoked"}}
curl -s $B/auth/me -H "Authorization: Bearer $ACCESS"
# {"error":{"code":"ERR_TOKEN_REVOKED","message":"The session of this access token has ended"}}

# Sessions per device
PHONE=$(curl -s -X POST $B/auth/login -H "$json" \
  -d '{"username":"alice","password":"correct horse battery staple","device":"phone"}' | get accessToken)
TABLET=$(curl -s -X POST $B/auth/login -H "$json" \
  -d '{"username":"alice","password":"correct horse battery staple","device":"tablet"}' | get accessToken)
curl -s $B/auth/sessions -H "Authorization: Bearer $PHONE"
# {"sessions":[{"id":"…","device":"tablet","ip":"127.0.0.1","userAgent":"curl/7.88.1",…,"current":false,"amr":["pwd"],…},
#              {"id":"…","device":"phone",…,"current":true,"amr":["pwd"],"authTime":"…"}]}
TABLET_SESSION=$(curl -s $B/auth/sessions -H "Authorization: Bearer $PHONE" | get 'sessions.find((s) => s.device === "tablet").id')
curl -s -o /dev/null -w '%{http_code}\n' -X DELETE $B/auth/sessions/$TABLET_SESSION -H "Authorization: Bearer $PHONE"
# 204: the tablet is signed out
curl -s $B/auth/me -H "Authorization: Bearer $TABLET"
# {"error":{"code":"ERR_TOKEN_REVOKED","message":"The session of this access token has ended"}}

# Log out: this device (default), every other device, or everywhere
curl -s -X POST $B/auth/login -H "$json" \
  -d '{"username":"alice","password":"correct horse battery staple","device":"desktop"}' > /dev/null
curl -s -X POST $B/auth/logout -H "Authorization: Bearer $PHONE" -H "$json" -d '{"scope":"others"}'
# {"revoked":1}   (the desktop)
curl -s -X POST $B/auth/logout -H "Authorization: Bearer $PHONE" -H "$json" -d '{"scope":"all"}'
# {"revoked":1}   (the phone itself)

# An administrator, from the command line (run in the clone, with the server's configuration)
printf 'a long admin password' | npx jwtgate user add root --role admin --password-stdin
ADMIN=$(curl -s -X POST $B/auth/login -H "$json" -d '{"username":"root","password":"a long admin password"}' | get accessToken)
ROOT=$(curl -s $B/auth/me -H "Authorization: Bearer $ADMIN" | get user.id)
# Alice signs in again, on two devices
for device in laptop phone; do
  curl -s -X POST $B/auth/login -H "$json" \
    -d "{\"username\":\"alice\",\"password\":\"correct horse battery staple\",\"device\":\"$device\"}" > /dev/null
done
curl -s "$B/admin/users?search=al&limit=20" -H "Authorization: Bearer $ADMIN"
# {"users":[{"id":"6f1c…","username":"alice","role":"user","disabled":false,…}],"nextCursor":null}
# (a non-null nextCursor goes back as &cursor=… for the next page)
ALICE=$(curl -s "$B/admin/users?search=alice&limit=1" -H "Authorization: Bearer $ADMIN" | get 'users[0].id')
curl -s $B/admin/users/$ALICE -H "Authorization: Bearer $ADMIN"
# {"user":{…},"sessions":[…her two devices…]}
HER_PHONE=$(curl -s $B/admin/users/$ALICE -H "Authorization: Bearer $ADMIN" | get 'sessions.find((s) => s.device === "phone").id')
curl -s -o /dev/null -w '%{http_code}\n' -X DELETE $B/admin/sessions/$HER_PHONE -H "Authorization: Bearer $ADMIN"
# 204: her phone is signed out
curl -s -X POST $B/admin/users/$ALICE/logout -H "Authorization: Bearer $ADMIN"
# {"revoked":1}   (force her out everywhere: here, the laptop)
curl -s -X POST $B/admin/users/$ALICE/disable -H "Authorization: Bearer $ADMIN"
# {"user":{…,"disabled":true},"revokedSessions":0}
curl -s -X POST $B/admin/users/$ALICE/enable -H "Authorization: Bearer $ADMIN"
curl -s -X PATCH $B/admin/users/$ALICE -H "Authorization: Bearer $ADMIN" -H "$json" -d '{"role":"support"}'
curl -s -X POST $B/admin/users/$ROOT/disable -H "Authorization: Bearer $ADMIN"
# {"error":{"code":"ERR_LAST_ADMIN","message":"This would leave no enabled administrator; make another one first"}}

# Change your own password: the current one is checked as at login, your other devices are signed out
ALICE_TOKEN=$(curl -s -X POST $B/auth/login -H "$json" \
  -d '{"username":"alice","password":"correct horse battery staple"}' | get accessToken)
curl -s -X POST $B/auth/password -H "Authorization: Bearer $ALICE_TOKEN" -H "$json" \
  -d '{"currentPassword":"correct horse battery staple","newPassword":"an even longer passphrase"}'
# {"revoked":0}   (a wrong current password: 403 ERR_WRONG_CURRENT_PASSWORD, and it counts as a failed login)

# Cookie mode by hand: the page's origin, the CSRF header, "cookie": true
curl -si -X POST $B/auth/login -H "$json" -H "Origin: $B" -H 'X-Jwtgate-Csrf: 1' \
  -d '{"username":"alice","password":"an even longer passphrase","cookie":true}' | grep -i set-cookie
# set-cookie: __Secure-jwtgate_refresh=jgr1_…; Path=/auth; Max-Age=604800; HttpOnly; Secure; SameSite=Strict
