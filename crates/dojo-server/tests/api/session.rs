//! Browser sessions: `/login`, `/logout`, `/`, the session cookie on API v2 with
//! DRF's CSRF rules, the sign-in rate limit, and the ways a session ends.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use chrono::Duration;
use dojo_server::accounts;
use dojo_server::web::{LoginLimit, SessionConfig};
use dojo_storage::db_test;
use dojo_storage::repo::sessions;
use serde_json::{json, Value};

use crate::import::user_with_token;
use crate::support::state;
use crate::web::{person, site, site_with, Browser, PASSWORD};

const INVALID: &str =
    "Please enter a correct username and password. Note that both fields may be case-sensitive.";

db_test!(
    the_login_form_carries_a_csrf_token_and_sets_its_cookie,
    |db| {
        let site = site(&db);
        let mut browser = Browser::default();
        let page = browser
            .get(&site, "/login?next=/api/v2/oa3/swagger-ui/")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.headers["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html"));
        assert_eq!(page.headers["x-frame-options"], "DENY");
        assert!(
            page.body
                .contains("<form method=\"post\" action=\"/login\">"),
            "{}",
            page.body
        );
        assert!(page
            .body
            .contains("name=\"next\" value=\"/api/v2/oa3/swagger-ui/\""));
        assert!(page.body.contains("<label for=\"id_username\">"));
        let cookie = page.set_cookie("csrftoken").expect("csrftoken set");
        assert!(
            cookie.contains("SameSite=Lax") && !cookie.contains("HttpOnly"),
            "{cookie}"
        );
        // The page's token is masked differently from the cookie's, for the same secret.
        assert_ne!(Browser::token_in(&page), browser.csrf_cookie());
        // The stylesheet is served from the binary.
        let css = browser.get(&site, "/static/dojo.css").await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(css.headers["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/css"));
    }
);

db_test!(
    signing_in_sets_both_cookies_and_follows_a_local_next,
    |db| {
        person(&db, "alice", false).await;
        let site = site(&db);
        let mut browser = Browser::default();
        let answer = browser
            .sign_in(&site, "alice", PASSWORD, "/api/v2/oa3/swagger-ui/")
            .await;
        assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
        assert_eq!(answer.location(), "/api/v2/oa3/swagger-ui/");
        let session = answer.set_cookie("sessionid").expect("sessionid set");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1209600"] {
            assert!(session.contains(attribute), "{session}");
        }
        assert!(!session.contains("Secure"), "plain HTTP: {session}");
        let csrf = answer.set_cookie("csrftoken").expect("csrftoken rotated");
        assert!(!csrf.contains("HttpOnly"), "{csrf}");

        let home = browser.get(&site, "/dashboard").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(
            home.body
                .contains("class=\"who\" aria-current=\"false\">alice</a>"),
            "{}",
            home.body
        );
        assert!(home.body.contains("href=\"/api/v2/oa3/swagger-ui/\""));
        assert!(home.body.contains("action=\"/logout\""));

        // Only the hash of the key is stored: looked up as it is, the key finds nothing.
        let key = browser.cookie("sessionid").expect("key").to_owned();
        let mut conn = db.conn().await.expect("conn");
        let found = sessions::find_live(&mut conn, &key, site.clock.now())
            .await
            .expect("look up");
        assert!(found.is_none(), "the raw key is not in the database");
        drop(conn);

        // A signed-in browser on /login goes straight on.
        let again = browser.get(&site, "/login?next=/x/").await;
        assert_eq!(again.status, StatusCode::FOUND);
        assert_eq!(again.location(), "/x/");
    }
);

db_test!(next_outside_this_server_is_ignored, |db| {
    person(&db, "alice", false).await;
    let site = site(&db);
    for next in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "",
    ] {
        let mut browser = Browser::default();
        let answer = browser.sign_in(&site, "alice", PASSWORD, next).await;
        assert_eq!(answer.status, StatusCode::FOUND, "{next}");
        assert_eq!(answer.location(), "/", "{next}");
    }
    // Nor is it put into the form.
    let page = Browser::default()
        .get(&site, "/login?next=https://evil.example/")
        .await;
    assert!(!page.body.contains("evil.example"));
});

db_test!(wrong_credentials_get_the_form_back_with_one_message, |db| {
    person(&db, "alice", false).await;
    let bob = person(&db, "bob", false).await;
    let mut conn = db.conn().await.expect("conn");
    dojo_storage::repo::users::update(
        &mut conn,
        &dojo_domain::entities::User {
            is_active: false,
            ..bob
        },
    )
    .await
    .expect("deactivate bob");
    drop(conn);
    let site = site(&db);
    for (username, password) in [
        ("alice", "Wrong-Horse-42"),
        ("nobody", PASSWORD),
        ("bob", PASSWORD),
        ("alice", ""),
    ] {
        let mut browser = Browser::default();
        let answer = browser.sign_in(&site, username, password, "/").await;
        assert_eq!(answer.status, StatusCode::OK, "{username}");
        assert!(answer.body.contains(INVALID), "{username}: {}", answer.body);
        assert!(answer.body.contains(&format!("value=\"{username}\"")));
        assert!(answer.set_cookie("sessionid").is_none(), "{username}");
        assert_eq!(
            browser.get(&site, "/dashboard").await.status,
            StatusCode::FOUND
        );
    }
});

db_test!(the_login_form_needs_its_csrf_token, |db| {
    person(&db, "alice", false).await;
    let site = site(&db);
    let fields = |token: &str| {
        vec![
            ("username".to_owned(), "alice".to_owned()),
            ("password".to_owned(), PASSWORD.to_owned()),
            ("csrfmiddlewaretoken".to_owned(), token.to_owned()),
        ]
    };
    let post = |browser: &mut Browser, token: String| {
        let site = &site;
        let mut browser = browser.clone();
        async move {
            let pairs = fields(&token);
            let refs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            browser.post_form(site, "/login", &refs).await
        }
    };
    // No cookie at all.
    let answer = post(&mut Browser::default(), "x".repeat(64)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        answer.body.contains("CSRF cookie not set."),
        "{}",
        answer.body
    );

    let mut browser = Browser::default();
    let page = browser.get(&site, "/login").await;
    let good = Browser::token_in(&page);
    let answer = post(&mut browser, String::new()).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("CSRF token missing."));
    let answer = post(&mut browser, "A".repeat(64)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        answer.body.contains("CSRF token from POST incorrect."),
        "{}",
        answer.body
    );
    // A form posted from another site is refused whatever its token.
    let mut other = browser.clone();
    let request = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example");
    let body = format!("username=alice&password={PASSWORD}&csrfmiddlewaretoken={good}");
    let answer = other.send(&site, request, Body::from(body)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        answer.body.contains("Origin checking failed"),
        "{}",
        answer.body
    );

    let answer = post(&mut browser, good).await;
    assert_eq!(answer.status, StatusCode::FOUND);
});

db_test!(
    a_session_authenticates_the_api_and_unsafe_calls_need_the_csrf_header,
    |db| {
        person(&db, "root", true).await;
        let site = site(&db);
        let mut browser = Browser::default();
        assert_eq!(
            browser.sign_in(&site, "root", PASSWORD, "/").await.status,
            StatusCode::FOUND
        );

        let list = browser
            .api(&site, "GET", "/api/v2/findings/", None, None)
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert_eq!(list.json()["count"], 0);

        let new = json!({ "name": "Web" });
        let missing = browser
            .api(
                &site,
                "POST",
                "/api/v2/product_types/",
                Some(new.clone()),
                None,
            )
            .await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN);
        assert_eq!(
            missing.json(),
            json!({ "detail": "CSRF Failed: CSRF token missing." })
        );

        let wrong = "B".repeat(64);
        let incorrect = browser
            .api(
                &site,
                "POST",
                "/api/v2/product_types/",
                Some(new.clone()),
                Some(&wrong),
            )
            .await;
        assert_eq!(incorrect.status, StatusCode::FORBIDDEN);
        assert_eq!(
            incorrect.json(),
            json!({ "detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect." })
        );
        let malformed = browser
            .api(
                &site,
                "DELETE",
                "/api/v2/product_types/1/",
                None,
                Some("short"),
            )
            .await;
        assert_eq!(
            malformed.json(),
            json!({ "detail": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header has incorrect length." })
        );

        let token = browser.csrf_cookie();
        let created = browser
            .api(
                &site,
                "POST",
                "/api/v2/product_types/",
                Some(new.clone()),
                Some(&token),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()["id"].as_i64().expect("id");
        let patched = browser
            .api(
                &site,
                "PATCH",
                &format!("/api/v2/product_types/{id}/"),
                Some(json!({ "description": "shop" })),
                Some(&token),
            )
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);

        // Another site's script gets no further, even with the token.
        let request = Request::post("/api/v2/product_types/")
            .header("content-type", "application/json")
            .header("origin", "http://evil.example")
            .header("x-csrftoken", &token);
        let cross = browser
            .send(
                &site,
                request,
                Body::from(json!({ "name": "Evil" }).to_string()),
            )
            .await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN);
        assert_eq!(
            cross.json(),
            json!({ "detail": "CSRF Failed: Origin checking failed - http://evil.example does not match any trusted origins." })
        );

        // Without the cookie, nothing.
        let anonymous = Browser::default()
            .api(&site, "GET", "/api/v2/findings/", None, None)
            .await;
        assert_eq!(anonymous.status, StatusCode::FORBIDDEN);
        assert_eq!(
            anonymous.json(),
            json!({ "detail": "Authentication credentials were not provided." })
        );
        let mut forged = Browser::default();
        forged.cookies.insert("sessionid".into(), "0".repeat(64));
        assert_eq!(
            forged
                .api(&site, "GET", "/api/v2/findings/", None, None)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

db_test!(token_and_basic_calls_never_need_csrf, |db| {
    let (_, token) = user_with_token(&db, "admin", true).await;
    let site = site(&db);
    // A browser with a session of its own but an explicit token header: the token decides.
    person(&db, "alice", false).await;
    let mut browser = Browser::default();
    browser.sign_in(&site, "alice", PASSWORD, "/").await;
    let request = Request::post("/api/v2/product_types/")
        .header("content-type", "application/json")
        .header("authorization", format!("Token {token}"));
    let answer = browser
        .send(
            &site,
            request,
            Body::from(json!({ "name": "Mobile" }).to_string()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.json()["name"], "Mobile");
});

db_test!(signing_out_ends_the_session, |db| {
    person(&db, "root", true).await;
    let site = site(&db);
    let mut browser = Browser::default();
    browser.sign_in(&site, "root", PASSWORD, "/").await;
    let home = browser.get(&site, "/dashboard").await;
    let token = Browser::token_in(&home);
    let kept = browser.clone();

    // Without the form's token nothing happens.
    let refused = browser.post_form(&site, "/logout", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get(&site, "/dashboard").await.status,
        StatusCode::OK
    );

    let out = browser
        .post_form(&site, "/logout", &[("csrfmiddlewaretoken", &token)])
        .await;
    assert_eq!(out.status, StatusCode::FOUND);
    assert_eq!(out.location(), "/login");
    assert!(out
        .set_cookie("sessionid")
        .expect("cleared")
        .contains("Max-Age=0"));
    assert!(browser.cookie("sessionid").is_none());

    // The old cookie, replayed, opens nothing any more.
    let mut replay = kept;
    let api = replay
        .api(&site, "GET", "/api/v2/findings/", None, None)
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    let page = replay.get(&site, "/").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.location(), "/login?next=%2F");
});

db_test!(the_landing_page_sends_strangers_to_sign_in, |db| {
    let site = site(&db);
    let answer = Browser::default().get(&site, "/").await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.location(), "/login?next=%2F");
});

db_test!(
    repeated_failures_lock_the_username_until_the_window_passes,
    |db| {
        person(&db, "alice", false).await;
        let site = site(&db);
        let mut browser = Browser::from("192.0.2.10:5000");
        for _ in 0..5 {
            let answer = browser.sign_in(&site, "alice", "Wrong-Horse-42", "/").await;
            assert_eq!(answer.status, StatusCode::OK);
        }
        // Now even the right password is refused, from anywhere.
        let mut elsewhere = Browser::from("198.51.100.7:5000");
        let refused = elsewhere.sign_in(&site, "alice", PASSWORD, "/").await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            refused.body.contains("Too many failed sign-in attempts"),
            "{}",
            refused.body
        );
        assert!(refused.set_cookie("sessionid").is_none());

        site.clock.advance(Duration::minutes(4));
        let refused = elsewhere.sign_in(&site, "alice", PASSWORD, "/").await;
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "refused attempts do not count"
        );

        site.clock.advance(Duration::minutes(1));
        let answer = elsewhere.sign_in(&site, "alice", PASSWORD, "/").await;
        assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);

        // Success cleared the name's count: new failures start from zero.
        for _ in 0..4 {
            browser.sign_in(&site, "alice", "Wrong-Horse-42", "/").await;
        }
        let answer = Browser::from("203.0.113.1:1")
            .sign_in(&site, "alice", PASSWORD, "/")
            .await;
        assert_eq!(answer.status, StatusCode::FOUND);
    }
);

db_test!(repeated_failures_from_one_address_lock_that_address, |db| {
    person(&db, "alice", false).await;
    let site = site_with(
        &db,
        SessionConfig {
            login_limit: LoginLimit {
                per_username: 5,
                per_ip: 3,
                window: Duration::minutes(5),
            },
            ..SessionConfig::default()
        },
    );
    let mut attacker = Browser::from("192.0.2.66:4444");
    for name in ["carol", "dave", "erin"] {
        assert_eq!(
            attacker.sign_in(&site, name, "guess", "/").await.status,
            StatusCode::OK
        );
    }
    let refused = attacker.sign_in(&site, "alice", PASSWORD, "/").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let answer = Browser::from("192.0.2.67:4444")
        .sign_in(&site, "alice", PASSWORD, "/")
        .await;
    assert_eq!(answer.status, StatusCode::FOUND);
});

db_test!(sessions_expire_after_their_lifetime_and_when_idle, |db| {
    let root = person(&db, "root", true).await;
    let site = site_with(
        &db,
        SessionConfig {
            idle_timeout: Duration::hours(1),
            ..SessionConfig::default()
        },
    );
    let mut browser = Browser::default();
    browser.sign_in(&site, "root", PASSWORD, "/").await;
    // Used every 50 minutes, it lives on…
    for _ in 0..3 {
        site.clock.advance(Duration::minutes(50));
        let answer = browser
            .api(&site, "GET", "/api/v2/findings/", None, None)
            .await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    // …but not past an idle hour.
    site.clock.advance(Duration::minutes(61));
    let answer = browser
        .api(&site, "GET", "/api/v2/findings/", None, None)
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    // The absolute lifetime (14 days by default) holds however busy the session is.
    let site = site_with(&db, SessionConfig::default());
    let mut browser = Browser::default();
    browser.sign_in(&site, "root", PASSWORD, "/").await;
    for _ in 0..13 {
        site.clock.advance(Duration::days(1));
        assert_eq!(
            browser.get(&site, "/dashboard").await.status,
            StatusCode::OK
        );
    }
    site.clock.advance(Duration::days(1));
    assert_eq!(
        browser.get(&site, "/dashboard").await.status,
        StatusCode::FOUND
    );
    assert_eq!(
        browser
            .api(&site, "GET", "/api/v2/findings/", None, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Expired rows are purged at the next sign-in.
    browser.sign_in(&site, "root", PASSWORD, "/").await;
    let mut conn = site.db.conn().await.expect("conn");
    let live = sessions::count_live_for_user(&mut conn, root.id, site.clock.now())
        .await
        .expect("count");
    assert_eq!(live, 1);
});

db_test!(
    deactivating_deleting_or_new_password_ends_the_sessions,
    |db| {
        let (_, admin_token) = user_with_token(&db, "admin", true).await;
        let bob = person(&db, "bob", true).await;
        let carol = person(&db, "carol", true).await;
        let site = site(&db);
        let api_as_admin = |method: &'static str, path: String, body: Option<Value>| {
            let site = &site;
            let token = admin_token.clone();
            async move {
                let mut request = Request::builder()
                    .method(method)
                    .uri(path)
                    .header("authorization", format!("Token {token}"));
                if body.is_some() {
                    request = request.header("content-type", "application/json");
                }
                let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
                Browser::default().send(site, request, body).await
            }
        };

        let mut bobs = Browser::default();
        bobs.sign_in(&site, "bob", PASSWORD, "/").await;
        let answer = api_as_admin(
            "PATCH",
            format!("/api/v2/users/{}/", bob.id),
            Some(json!({ "is_active": false })),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let mut conn = db.conn().await.expect("conn");
        assert_eq!(
            sessions::count_live_for_user(&mut conn, bob.id, site.clock.now())
                .await
                .expect("count"),
            0
        );
        drop(conn);
        assert_eq!(
            bobs.api(&site, "GET", "/api/v2/findings/", None, None)
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        let mut carols = Browser::default();
        carols.sign_in(&site, "carol", PASSWORD, "/").await;
        assert_eq!(carols.get(&site, "/dashboard").await.status, StatusCode::OK);
        let answer = api_as_admin("DELETE", format!("/api/v2/users/{}/", carol.id), None).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.body);
        assert_eq!(
            carols.get(&site, "/dashboard").await.status,
            StatusCode::FOUND
        );
        assert_eq!(
            carols
                .api(&site, "GET", "/api/v2/findings/", None, None)
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        let dave = person(&db, "dave", false).await;
        let mut daves = Browser::default();
        daves.sign_in(&site, "dave", PASSWORD, "/").await;
        assert_eq!(daves.get(&site, "/dashboard").await.status, StatusCode::OK);
        accounts::set_password(&db, "dave", "Another-Horse-43")
            .await
            .expect("new password");
        assert_eq!(
            daves.get(&site, "/dashboard").await.status,
            StatusCode::FOUND
        );
        let mut conn = db.conn().await.expect("conn");
        assert_eq!(
            sessions::count_live_for_user(&mut conn, dave.id, site.clock.now())
                .await
                .expect("count"),
            0
        );
    }
);

db_test!(cookies_are_secure_over_https_behind_a_trusted_proxy, |db| {
    person(&db, "alice", false).await;
    let site = site_with(
        &db,
        SessionConfig {
            trust_forwarded_proto: true,
            ..SessionConfig::default()
        },
    );
    let mut browser = Browser::default();
    let form = browser
        .send(
            &site,
            Request::get("/login").header("x-forwarded-proto", "https"),
            Body::empty(),
        )
        .await;
    assert!(form
        .set_cookie("csrftoken")
        .expect("cookie")
        .contains("Secure"));
    let token = Browser::token_in(&form);
    let body = format!("username=alice&password={PASSWORD}&csrfmiddlewaretoken={token}");
    let post = |referer: Option<&'static str>| {
        let mut request = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-proto", "https");
        if let Some(referer) = referer {
            request = request.header("referer", referer);
        }
        request
    };
    // Over HTTPS a form without Origin needs a same-host HTTPS Referer, as in Django.
    let answer = browser
        .clone()
        .send(&site, post(None), Body::from(body.clone()))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer
        .body
        .contains("Referer checking failed - no Referer."));
    let answer = browser
        .clone()
        .send(
            &site,
            post(Some("https://evil.example/")),
            Body::from(body.clone()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = browser
        .send(
            &site,
            post(Some("https://dojo.test/login")),
            Body::from(body),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    let session = answer.set_cookie("sessionid").expect("session");
    assert!(session.contains("; Secure"), "{session}");
});

#[derive(Debug, serde::Deserialize)]
struct ProbeForm {
    title: String,
}

db_test!(
    csrf_form_checks_the_token_before_the_page_sees_the_form,
    |db| {
        use dojo_server::web::CsrfForm;
        person(&db, "alice", false).await;
        let mut site = site(&db);
        let probe = Router::new()
            .route(
                "/probe",
                axum::routing::post(|posted: CsrfForm<ProbeForm>| async move {
                    format!("{} by {}", posted.form.title, posted.user.0.user.username)
                }),
            )
            .with_state(state(&db).with_sessions(SessionConfig {
                clock: site.clock.clone(),
                ..SessionConfig::default()
            }));
        site.app = site.app.merge(probe);

        let stranger = Browser::default()
            .post_form(&site, "/probe", &[("title", "x")])
            .await;
        assert_eq!(stranger.status, StatusCode::FOUND);
        assert_eq!(stranger.location(), "/login?next=%2Fprobe");

        let mut browser = Browser::default();
        browser.sign_in(&site, "alice", PASSWORD, "/").await;
        let token = Browser::token_in(&browser.get(&site, "/dashboard").await);
        let refused = browser.post_form(&site, "/probe", &[("title", "x")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(
            refused.body.contains("CSRF token missing."),
            "{}",
            refused.body
        );
        let bad = browser
            .post_form(&site, "/probe", &[("csrfmiddlewaretoken", &token)])
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "a field is missing");
        let accepted = browser
            .post_form(
                &site,
                "/probe",
                &[("csrfmiddlewaretoken", &token), ("title", "Hello")],
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        assert_eq!(accepted.body, "Hello by alice");
    }
);
