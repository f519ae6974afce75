// compose-config loads a compose file the way `docker compose config` does
// (compose-go is the loader Docker Compose v2 itself uses): it reads the .env
// file beside it, interpolates, applies profiles, checks the file against the
// compose specification's JSON schema and the model's own rules (for example
// depends_on naming a service that does not exist), then prints the resolved
// project as JSON. No Docker engine is needed.
//
//	compose-config [-env-file FILE] [-profile NAME]... docker-compose.yml
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var profiles, envFiles list
	flag.Var(&profiles, "profile", "profile to enable (repeatable); default: COMPOSE_PROFILES")
	flag.Var(&envFiles, "env-file", "env file (repeatable); default: .env beside the compose file")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: compose-config [-env-file FILE] [-profile NAME]... COMPOSE_FILE")
		os.Exit(2)
	}
	file := flag.Arg(0)
	options, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithOsEnv,
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(profiles...),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(append(out, '\n'))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-config: %v\n", err)
	os.Exit(1)
}
