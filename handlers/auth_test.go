package handlers_test

import (
	"testing"
)

func TestLoginAndUsers(t *testing.T) {
	a := newAPI(t)
	a.do("POST", "/api/auth/login", map[string]string{"email": "snoopy@dogg.land", "password": "whatsmyname?"}, "").
		expect(401, "Incorrect email or password")
	a.post("/api/user/create-user", map[string]string{"email": "hubby@hobbob.bubbly", "password": "iknowsecurity"}).expect(201, "User created")
	a.post("/api/user/create-user", map[string]string{"email": "hubby@hobbob.bubbly", "password": "x"}).expect(409, "User already exists")
	var users []string
	a.get("/api/user/list-users").expect(200, "").decode(&users)
	if len(users) != 2 || users[0] != testEmail || users[1] != "hubby@hobbob.bubbly" {
		t.Fatalf("list-users = %v", users)
	}
	a.login("hubby@hobbob.bubbly", "iknowsecurity")
	a.do("GET", "/api/user/list-users", nil, "").expect(401, "Not authenticated")
}
